"""Content-addressed cache under build/: an entry is trusted only when it is complete and checks out.

An entry is a directory <root>/<kind>/<key>/ holding payload files and record.json. The record names the key,
the metadata the key was made from, the SHA-256 of every payload file and the SHA-256 of itself (without that
field). A missing, unparsable, mismatching or incomplete entry is a miss; entries are written into a temporary
directory and renamed into place, so a crash never leaves a half-written entry under the final name.
"""
import hashlib
import json
import os
import shutil
import tempfile


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def key_of(meta):
    """The cache key of a JSON-serializable description (sources' hashes, seeds, specs, ...)."""
    return sha256_bytes(canonical_json(meta).encode())[:32]


def _self_hash(record):
    return sha256_bytes(canonical_json({k: v for k, v in record.items() if k != "record_sha256"}).encode())


class Cache:
    def __init__(self, root, kind):
        self.dir = os.path.join(root, kind)

    def path(self, key):
        return os.path.join(self.dir, key)

    def load(self, meta):
        """(record, entry directory) of a valid entry for meta, or (None, None)."""
        key = key_of(meta)
        d = self.path(key)
        try:
            with open(os.path.join(d, "record.json")) as f:
                record = json.load(f)
            if record.get("key") != key or record.get("meta") != json.loads(canonical_json(meta)):
                return None, None
            if record.get("record_sha256") != _self_hash(record):
                return None, None
            for name, digest in record["files"].items():
                if sha256_file(os.path.join(d, name)) != digest:
                    return None, None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None, None
        return record, d

    def store(self, meta, result, write_files):
        """write_files(tmpdir) writes the payload files; result is stored in the record. Returns the record."""
        key = key_of(meta)
        os.makedirs(self.dir, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{key}.", dir=self.dir)
        try:
            write_files(tmp)
            files = {n: sha256_file(os.path.join(tmp, n)) for n in sorted(os.listdir(tmp))}
            record = {"key": key, "meta": json.loads(canonical_json(meta)), "result": result, "files": files}
            record["record_sha256"] = _self_hash(record)
            with open(os.path.join(tmp, "record.json"), "w") as f:
                json.dump(record, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            final = self.path(key)
            if os.path.isdir(final):  # a stale or concurrent entry: replace it (ours was just verified)
                shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return record


def source_hash(paths):
    """SHA-256 over the contents of files (sorted by name): a code version for cache keys."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(os.path.basename(p).encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()[:32]
