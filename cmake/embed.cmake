# logmac_embed_text(OUT_VAR SYMBOL FILE): a generated C++ source defining `logmac::SYMBOL` (const char* const)
# with the text of FILE, regenerated when FILE changes; its path is appended to OUT_VAR. Text the binary needs
# at run time (tables, tool scripts, harness sources) is embedded so that it runs without the source tree.
function(logmac_embed_text out_var symbol file)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embed_${symbol}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYMBOL=${symbol} -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${file}")
  set(${out_var} ${${out_var}} ${out} PARENT_SCOPE)
endfunction()
