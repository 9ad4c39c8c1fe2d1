# streamlens_add_subdirectories(<dir>...): adds each listed folder that has a CMakeLists.txt.
# Lets components land one at a time without touching their parent's CMakeLists.
function(streamlens_add_subdirectories)
  foreach(dir ${ARGN})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()
