# cosmosbConfig.cmake: find_package(cosmosb CONFIG) support for libcosmosb.
#
# Imported targets (each exists only if that library was built and installed):
#   cosmosb::cosmosb         shared library (libcosmosb.so, SONAME libcosmosb.so.MAJOR)
#   cosmosb::cosmosb_static  static library (libcosmosb.a); defines COSMOSB_STATIC=1
#   cosmosb::freestanding    libcosmosb-freestanding.a (core only, no libc);
#                            defines COSMOSB_STATIC=1 COSMOSB_FREESTANDING=1
# Components (optional): shared, static, freestanding.
# Variables: cosmosb_VERSION, cosmosb_ATOMICS (c11 or libatomic_ops).


####### Expanded from @PACKAGE_INIT@ by configure_package_config_file() #######
####### Any changes to this file will be overwritten by the next CMake run ####
####### The input file was cosmosbConfig.cmake.in                            ########

get_filename_component(PACKAGE_PREFIX_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../" ABSOLUTE)

macro(set_and_check _var _file)
  set(${_var} "${_file}")
  if(NOT EXISTS "${_file}")
    message(FATAL_ERROR "File or directory ${_file} referenced by variable ${_var} does not exist !")
  endif()
endmacro()

macro(check_required_components _NAME)
  foreach(comp ${${_NAME}_FIND_COMPONENTS})
    if(NOT ${_NAME}_${comp}_FOUND)
      if(${_NAME}_FIND_REQUIRED_${comp})
        set(${_NAME}_FOUND FALSE)
      endif()
    endif()
  endforeach()
endmacro()

####################################################################################

include("${CMAKE_CURRENT_LIST_DIR}/cosmosbTargets.cmake")

set(cosmosb_ATOMICS "c11")

set(cosmosb_shared_FOUND FALSE)
set(cosmosb_static_FOUND FALSE)
set(cosmosb_freestanding_FOUND FALSE)
if(TARGET cosmosb::cosmosb)
  set(cosmosb_shared_FOUND TRUE)
endif()
if(TARGET cosmosb::cosmosb_static)
  set(cosmosb_static_FOUND TRUE)
endif()
if(TARGET cosmosb::freestanding)
  set(cosmosb_freestanding_FOUND TRUE)
endif()

check_required_components(cosmosb)
