# SPDX-License-Identifier: GPL-2.0-or-later
# Run by cpack after the packages are written (CPACK_POST_BUILD_SCRIPTS).
# CMake 3.25's CPackDeb lists the dbgsym package's files in its md5sums by
# their absolute staging path (lintian: md5sums-lists-nonexistent-file, and
# dpkg --verify would check nothing): rebuild the .ddeb with relative paths.
# It also lacks the doc directory lintian wants (copyright, changelog).
foreach(package IN LISTS CPACK_PACKAGE_FILES)
  if(NOT package MATCHES "\\.ddeb$")
    continue()
  endif()
  set(tree "${package}.tree")
  file(REMOVE_RECURSE "${tree}")
  execute_process(COMMAND dpkg-deb -R "${package}" "${tree}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -R ${package} failed")
  endif()
  file(READ "${tree}/DEBIAN/md5sums" sums)
  string(REGEX REPLACE "  [^\n]*/usr/lib/debug/" "  usr/lib/debug/" sums "${sums}")
  file(WRITE "${tree}/DEBIAN/md5sums" "${sums}")
  # Its copyright and changelog are vigil's, as dh_strip's dbgsym packages
  # do it: /usr/share/doc/vigil-dbgsym -> vigil (it depends on vigil, same
  # version).
  file(MAKE_DIRECTORY "${tree}/usr/share/doc")
  file(CREATE_LINK vigil "${tree}/usr/share/doc/vigil-dbgsym" SYMBOLIC)
  execute_process(COMMAND dpkg-deb --root-owner-group -Zgzip -b "${tree}" "${package}"
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  file(REMOVE_RECURSE "${tree}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -b ${package} failed")
  endif()
endforeach()
