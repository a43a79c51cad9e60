# SPDX-License-Identifier: GPL-2.0-or-later
# Run by cpack after the packages are written (CPACK_POST_BUILD_SCRIPTS).
# deb.cmake has cpack write them with fast compression; this script writes
# each again with gzip, after finishing the dbgsym package as Debian's dh_strip makes it:
# - the debug sections compressed (objcopy --compress-debug-sections), which
#   takes the .ddeb's installed size from about 480 MB to about 170 MB;
# - CMake 3.25's CPackDeb lists the .ddeb's files in its md5sums by their
#   absolute staging path (lintian: md5sums-lists-nonexistent-file, and
#   dpkg --verify would check nothing): md5sums and Installed-Size are
#   written again from the files;
# - the doc directory lintian wants: /usr/share/doc/vigil-dbgsym -> vigil
#   (copyright and changelog are vigil's; it depends on vigil, same version).
find_program(VIGIL_OBJCOPY NAMES objcopy)
if(NOT VIGIL_OBJCOPY)
  message(FATAL_ERROR "objcopy not found (binutils): cannot finish the dbgsym package")
endif()

function(vigil_rebuild package tree)
  execute_process(COMMAND dpkg-deb --root-owner-group -Zgzip -b "${tree}" "${package}"
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  file(REMOVE_RECURSE "${tree}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -b ${package} failed")
  endif()
endfunction()

foreach(package IN LISTS CPACK_PACKAGE_FILES)
  if(NOT package MATCHES "\\.(deb|ddeb)$")
    continue()
  endif()
  set(tree "${package}.tree")
  file(REMOVE_RECURSE "${tree}")
  execute_process(COMMAND dpkg-deb -R "${package}" "${tree}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -R ${package} failed")
  endif()
  if(package MATCHES "\\.deb$")
    vigil_rebuild("${package}" "${tree}")  # compressed, nothing else changed
    continue()
  endif()

  file(GLOB_RECURSE debug_files LIST_DIRECTORIES false RELATIVE "${tree}"
       "${tree}/usr/lib/debug/*")
  list(SORT debug_files)
  set(sums "")
  set(installed_kib 0)
  foreach(f IN LISTS debug_files)
    if(f MATCHES "\\.debug$")
      execute_process(COMMAND "${VIGIL_OBJCOPY}" --compress-debug-sections "${tree}/${f}"
                      RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "objcopy --compress-debug-sections ${f} failed")
      endif()
    endif()
    file(MD5 "${tree}/${f}" md5)
    string(APPEND sums "${md5}  ${f}\n")
    file(SIZE "${tree}/${f}" bytes)
    math(EXPR installed_kib "${installed_kib} + (${bytes} + 1023) / 1024")
  endforeach()
  file(WRITE "${tree}/DEBIAN/md5sums" "${sums}")

  file(MAKE_DIRECTORY "${tree}/usr/share/doc")
  file(CREATE_LINK vigil "${tree}/usr/share/doc/vigil-dbgsym" SYMBOLIC)
  # Directories and the link count a KiB each, as dpkg-gencontrol counts.
  file(GLOB_RECURSE entries LIST_DIRECTORIES true RELATIVE "${tree}" "${tree}/usr/*")
  list(LENGTH entries n_entries)
  list(LENGTH debug_files n_files)
  math(EXPR installed_kib "${installed_kib} + ${n_entries} - ${n_files}")
  file(READ "${tree}/DEBIAN/control" control)
  string(REGEX REPLACE "Installed-Size: [0-9]+" "Installed-Size: ${installed_kib}" control
                       "${control}")
  file(WRITE "${tree}/DEBIAN/control" "${control}")
  vigil_rebuild("${package}" "${tree}")
endforeach()
