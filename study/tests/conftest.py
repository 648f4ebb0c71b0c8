"""Test setup: the study's modules, the logmac module (build/python) and CLI, from the environment ctest sets."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
STUDY = os.path.dirname(HERE)
sys.path.insert(0, STUDY)
BUILD = os.environ.get("LOGMAC_BUILD", os.path.join(os.path.dirname(STUDY), "build"))
sys.path.insert(0, os.path.join(BUILD, "python"))


@pytest.fixture(scope="session")
def logmac_cli():
    path = os.environ.get("LOGMAC_CLI", os.path.join(BUILD, "logmac"))
    assert os.access(path, os.X_OK), f"logmac CLI not built at {path}"
    return path


@pytest.fixture(scope="session")
def logmac_module():
    import logmac
    return logmac
