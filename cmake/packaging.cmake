# Install rules for what operators touch (man pages, systemd units, cron file,
# example config) and the Debian package built from them by CPack:
#   cmake --install BUILD [--prefix P]      (files under /etc go to DESTDIR/etc)
#   cd BUILD && cpack -G DEB                -> logroute_<version>_amd64.deb
# The binaries install themselves (tools/*/CMakeLists.txt).

set(_pkg ${PROJECT_SOURCE_DIR}/packaging)

# Man pages are installed compressed, as Debian wants them (gzip -9n: no name,
# no timestamp, so the package builds reproducibly).
set(_man_gz "")
foreach(_page logroute-recv.1 logroute-flush.1 logroute-stat.1 logroute.7)
  set(_gz ${PROJECT_BINARY_DIR}/man/${_page}.gz)
  add_custom_command(OUTPUT ${_gz}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/man/${_page} > ${_gz}
                     DEPENDS ${PROJECT_SOURCE_DIR}/man/${_page}
                     COMMENT "Compressing man/${_page}")
  string(REGEX REPLACE ".*\\." "" _section ${_page})
  install(FILES ${_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
  list(APPEND _man_gz ${_gz})
endforeach()
add_custom_target(logroute_man ALL DEPENDS ${_man_gz})

# systemd looks in /usr/lib whatever the prefix; the package's prefix is /usr.
install(FILES ${_pkg}/systemd/logroute-recv.service ${_pkg}/systemd/logroute-flush.service
              ${_pkg}/systemd/logroute-flush.timer ${_pkg}/systemd/logroute-stat.service
              ${_pkg}/systemd/logroute-stat.timer ${_pkg}/systemd/logroute-purge-rejects.service
              ${_pkg}/systemd/logroute-purge-rejects.timer
        DESTINATION lib/systemd/system)
install(FILES ${_pkg}/systemd/logroute.sysusers DESTINATION lib/sysusers.d RENAME logroute.conf)
install(FILES ${_pkg}/systemd/logroute.tmpfiles DESTINATION lib/tmpfiles.d RENAME logroute.conf)

# Configuration lives in /etc, not under the prefix (Debian policy); with
# DESTDIR it lands in DESTDIR/etc.
install(FILES ${_pkg}/logroute.conf DESTINATION /etc/logroute)
install(FILES ${_pkg}/cron/logroute DESTINATION /etc/cron.d)
install(FILES ${_pkg}/logroute.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md doc/operations.md doc/guarantees.md doc/spool-format.md
              doc/http-api.md doc/stat-json.md doc/event.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

set(CPACK_PACKAGE_NAME logroute)
set(CPACK_PACKAGE_VENDOR "logroute")
set(CPACK_PACKAGE_CONTACT "logroute maintainers <logroute@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "logroute turns streams of JSON events, from HTTP clients or shell pipelines, into rows in
MySQL/MariaDB or SQLite, in bulk and exactly once: logroute-recv spools them, logroute-flush
loads them every 30 s (systemd timer or cron), logroute-stat shows the backlog.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # logroute_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "util-linux, bsdutils, passwd")  # flock, logger, useradd
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cron, mariadb-server, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_pkg}/debian/prerm ${_pkg}/debian/postinst ${_pkg}/debian/postrm
                                       ${_pkg}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
