# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: `cpack -G DEB` in the build directory (or the target
# `package`) makes vigil_<version>_<arch>.deb (stripped binaries) and
# vigil-dbgsym_<version>_<arch>.ddeb (their debug symbols), as Debian's own
# tools would: dependencies computed by dpkg-shlibdeps, a machine-readable
# copyright, changelog.Debian.gz, manual pages, the hacluster user and
# haclient group (sysusers.d + postinst), their directories (tmpfiles.d) and
# /etc/default/vigil as a conffile. `lintian` on the .deb reports no error
# (packaging/README.md explains the remaining warnings).
include(GNUInstallDirs)

# Manual pages and the changelog, compressed as dh_compress does (gzip -9n:
# no name, no timestamp, so that the package is reproducible).
set(_vigil_pkg_out ${CMAKE_CURRENT_BINARY_DIR}/deb)
file(MAKE_DIRECTORY ${_vigil_pkg_out})
set(_vigil_man_pages vigil.1 vigil-simulate.1 vigild.8 vigil-cib.8 vigil-crmd.8 vigil-lrmd.8
                     vigil-pengine.8 vigil-stonithd.8)
set(_vigil_gz_outputs)
foreach(page IN LISTS _vigil_man_pages)
  add_custom_command(
    OUTPUT ${_vigil_pkg_out}/${page}.gz
    COMMAND gzip -9n -c ${CMAKE_CURRENT_SOURCE_DIR}/man/${page} > ${_vigil_pkg_out}/${page}.gz
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/man/${page}
    VERBATIM)
  list(APPEND _vigil_gz_outputs ${_vigil_pkg_out}/${page}.gz)
  string(REGEX REPLACE "^.*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${_vigil_pkg_out}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_command(
  OUTPUT ${_vigil_pkg_out}/changelog.Debian.gz
  COMMAND gzip -9n -c ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog >
          ${_vigil_pkg_out}/changelog.Debian.gz
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog
  VERBATIM)
list(APPEND _vigil_gz_outputs ${_vigil_pkg_out}/changelog.Debian.gz)
add_custom_target(vigil_package_files ALL DEPENDS ${_vigil_gz_outputs})

install(FILES debian/copyright ${_vigil_pkg_out}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# sysusers.d and tmpfiles.d belong in /usr/lib (relative: follows the prefix).
install(FILES sysusers/vigil.conf DESTINATION lib/sysusers.d)
install(FILES tmpfiles/vigil.conf DESTINATION lib/tmpfiles.d)
# /etc/default/vigil goes into the package only (CPACK_PRE_BUILD_SCRIPTS):
# `cmake --install` with a developer's prefix must not write into /etc.
set(VIGIL_PACKAGE_ETC_SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/default/vigil)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/deb-etc.cmake.in
               ${CMAKE_CURRENT_BINARY_DIR}/deb-etc.cmake @ONLY)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_BINARY_DIR}/deb-etc.cmake)
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/deb-dbgsym-fix.cmake)
# That script unpacks both packages and writes them again with gzip: cpack's
# own compression only has to be fast (zstd; dpkg-deb 1.21 reads it).
set(CPACK_DEBIAN_COMPRESSION_TYPE zstd)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigil)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Vigil developers <vigil-devel@lists.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "High-availability cluster resource manager, compatible with Pacemaker 2.1")
# The extended description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Vigil keeps services running on a cluster of machines: it starts, stops,
monitors and moves resources (OCF, systemd and LSB agents) according to
the constraints of a Pacemaker CIB, fences failed nodes and replicates the
configuration over Corosync.
.
This package holds the daemons (vigild and the five daemons it
supervises), the pcs-compatible command line tool vigil, the
crm_simulate-compatible vigil-simulate, the systemd units and the OCF
agents ocf:vigil:haproxy (a load balancer with health checks) and
ocf:vigil:health-script (a node attribute from a health command).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian revision 1: the packaging is not the upstream tree's own release
# (a native package would need changelog.gz rather than changelog.Debian.gz).
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_LICENSE GPL-2+)
# Stripped binaries; the symbols go to vigil-dbgsym (by build id, as
# Debian's dh_strip does).
# CPackDeb moves the debug sections into vigil-dbgsym and strips the
# binaries itself: CPACK_STRIP_FILES would strip them first and leave
# nothing for it.
set(CPACK_STRIP_FILES OFF)
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
# Library dependencies from the binaries (dpkg-shlibdeps); what they run
# or talk to by hand: Corosync, the standard agents, adduser for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "corosync, resource-agents, adduser")
# vigil-stonithd runs the fence agents of the devices configured.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fence-agents")
# ocf:vigil:haproxy runs haproxy and asks its stats socket with curl (which
# also runs its digest checks).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "haproxy, curl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
