# Writes a C++ source that holds the text of IN as `extern const char* const SYMBOL`.
file(READ ${IN} text)
set(delim "logmac_embed")
file(WRITE ${OUT} "namespace logmac {\nextern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} = R\"${delim}(${text})${delim}\";\n}\n")
