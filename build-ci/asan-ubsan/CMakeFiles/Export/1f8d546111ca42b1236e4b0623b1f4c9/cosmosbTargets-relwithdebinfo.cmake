#----------------------------------------------------------------
# Generated CMake target import file for configuration "RelWithDebInfo".
#----------------------------------------------------------------

# Commands may need to know the format version.
set(CMAKE_IMPORT_FILE_VERSION 1)

# Import target "cosmosb::cosmosb" for configuration "RelWithDebInfo"
set_property(TARGET cosmosb::cosmosb APPEND PROPERTY IMPORTED_CONFIGURATIONS RELWITHDEBINFO)
set_target_properties(cosmosb::cosmosb PROPERTIES
  IMPORTED_LOCATION_RELWITHDEBINFO "${_IMPORT_PREFIX}/lib/libcosmosb.so.0.1.0"
  IMPORTED_SONAME_RELWITHDEBINFO "libcosmosb.so.0"
  )

list(APPEND _cmake_import_check_targets cosmosb::cosmosb )
list(APPEND _cmake_import_check_files_for_cosmosb::cosmosb "${_IMPORT_PREFIX}/lib/libcosmosb.so.0.1.0" )

# Import target "cosmosb::cosmosb_static" for configuration "RelWithDebInfo"
set_property(TARGET cosmosb::cosmosb_static APPEND PROPERTY IMPORTED_CONFIGURATIONS RELWITHDEBINFO)
set_target_properties(cosmosb::cosmosb_static PROPERTIES
  IMPORTED_LINK_INTERFACE_LANGUAGES_RELWITHDEBINFO "C"
  IMPORTED_LOCATION_RELWITHDEBINFO "${_IMPORT_PREFIX}/lib/libcosmosb.a"
  )

list(APPEND _cmake_import_check_targets cosmosb::cosmosb_static )
list(APPEND _cmake_import_check_files_for_cosmosb::cosmosb_static "${_IMPORT_PREFIX}/lib/libcosmosb.a" )

# Import target "cosmosb::freestanding" for configuration "RelWithDebInfo"
set_property(TARGET cosmosb::freestanding APPEND PROPERTY IMPORTED_CONFIGURATIONS RELWITHDEBINFO)
set_target_properties(cosmosb::freestanding PROPERTIES
  IMPORTED_LINK_INTERFACE_LANGUAGES_RELWITHDEBINFO "C"
  IMPORTED_LOCATION_RELWITHDEBINFO "${_IMPORT_PREFIX}/lib/libcosmosb-freestanding.a"
  )

list(APPEND _cmake_import_check_targets cosmosb::freestanding )
list(APPEND _cmake_import_check_files_for_cosmosb::freestanding "${_IMPORT_PREFIX}/lib/libcosmosb-freestanding.a" )

# Commands beyond this point should not need to know the version.
set(CMAKE_IMPORT_FILE_VERSION)
