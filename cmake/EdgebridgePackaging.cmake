# Install layout and the Debian package (CPack DEB).
#
#   scripts/package                      builds build/package/edgebridge_<version>_<arch>.deb
#   cmake --install build/release        from source, into CMAKE_INSTALL_PREFIX (/usr/local)
#
# With the prefix /usr (the package) the files go where Debian 12 keeps them:
#   /usr/bin/edgebridge                          the binary
#   /lib/systemd/system/edgebridge.service       the unit
#   /usr/lib/sysusers.d/edgebridge.conf          the system user, in group dialout
#   /etc/edgebridge/bridge.yaml                  a conffile: dpkg never overwrites your edits
#   /etc/edgebridge/certs/                       for the remote's certificates (0750)
#   /usr/share/doc/edgebridge/                   README.md, copyright, docs/*.md
# With another prefix the unit and the sysusers file go under it
# (systemd also reads <prefix>/lib/systemd/system and <prefix>/lib/sysusers.d),
# and the unit's ExecStart names <prefix>/bin/edgebridge.

include(GNUInstallDirs)

set(EDGEBRIDGE_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging/debian)

set(EDGEBRIDGE_SYSTEMD_UNIT_DIR "" CACHE PATH
  "Where the systemd unit is installed (empty: /lib/systemd/system for the prefix /usr, else <prefix>/lib/systemd/system)")
set(EDGEBRIDGE_SYSUSERS_DIR "" CACHE PATH
  "Where the sysusers.d file is installed (empty: /usr/lib/sysusers.d for the prefix /usr, else <prefix>/lib/sysusers.d)")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_eb_unit_dir /lib/systemd/system)
  set(_eb_sysusers_dir /usr/lib/sysusers.d)
else()
  set(_eb_unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(_eb_sysusers_dir ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)
endif()
if(EDGEBRIDGE_SYSTEMD_UNIT_DIR)
  set(_eb_unit_dir ${EDGEBRIDGE_SYSTEMD_UNIT_DIR})
endif()
if(EDGEBRIDGE_SYSUSERS_DIR)
  set(_eb_sysusers_dir ${EDGEBRIDGE_SYSUSERS_DIR})
endif()

# The unit in systemd/ names /usr/bin/edgebridge (the package); point it at this prefix.
file(READ ${PROJECT_SOURCE_DIR}/systemd/edgebridge.service _eb_unit)
string(REPLACE "/usr/bin/edgebridge" "${CMAKE_INSTALL_FULL_BINDIR}/edgebridge" _eb_unit "${_eb_unit}")
string(REPLACE "/usr/share/doc/edgebridge" "${CMAKE_INSTALL_FULL_DOCDIR}" _eb_unit "${_eb_unit}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/packaging/edgebridge.service CONTENT "${_eb_unit}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/systemd/edgebridge.service)

set(_eb_read_only OWNER_READ GROUP_READ WORLD_READ)
install(FILES ${PROJECT_BINARY_DIR}/packaging/edgebridge.service
  DESTINATION ${_eb_unit_dir} PERMISSIONS OWNER_WRITE ${_eb_read_only})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/edgebridge.sysusers
  DESTINATION ${_eb_sysusers_dir} RENAME edgebridge.conf PERMISSIONS OWNER_WRITE ${_eb_read_only})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${EDGEBRIDGE_PACKAGING_DIR}/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR} PERMISSIONS OWNER_WRITE ${_eb_read_only})
# The manuals, where README.md's links (docs/...) find them.
file(GLOB _eb_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${_eb_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs PERMISSIONS OWNER_WRITE ${_eb_read_only})

# Configuration: root owns it, group edgebridge (set by postinst) may read it.
# A from-source install never overwrites a bridge.yaml that is already there.
install(DIRECTORY DESTINATION /etc/edgebridge/certs
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
install(CODE "
  set(_eb_conf \"\$ENV{DESTDIR}/etc/edgebridge/bridge.yaml\")
  if(EXISTS \"\${_eb_conf}\")
    message(STATUS \"Keeping: \${_eb_conf} (already there)\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/config/bridge.yaml\" DESTINATION /etc/edgebridge
      PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
  endif()")

# ---- CPack: the Debian package -------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgebridge)
set(CPACK_PACKAGE_VENDOR "edgebridge")
set(CPACK_PACKAGE_CONTACT "edgebridge maintainers <maintainers@edgebridge.invalid>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/edgebridge/edgebridge")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "edge gateway: local MQTT, Modbus/serial/IR devices, cloud MQTT over mTLS")
set(CPACK_PACKAGE_DESCRIPTION "edgebridge connects the MQTT broker on a device (usually Mosquitto), non-IP
devices (Modbus RTU/TCP, line-based serial sensors, IR blasters over TCP) and
one or more cloud MQTT brokers (AWS IoT Core) over mutual TLS, configured by
one file, /etc/edgebridge/bridge.yaml. Messages bound for the cloud wait in a
durable SQLite outbox while the uplink is down and are sent, oldest first,
when it returns.

After installing: put the certificates in /etc/edgebridge/certs, edit
bridge.yaml, run `edgebridge check`, then `systemctl enable --now edgebridge`.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
# Depends: computed from the libraries the binary links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# systemd-sysusers or useradd (passwd, essential) creates the user.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mosquitto")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto-clients")
if(CMAKE_CROSSCOMPILING AND EDGEBRIDGE_DEB_ARCH)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${EDGEBRIDGE_DEB_ARCH})
  if(EDGEBRIDGE_SYSROOT AND NOT EDGEBRIDGE_SYSROOT STREQUAL "/")
    # dpkg-shlibdeps finds the target's libraries in the sysroot (scripts/package --arch).
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      ${EDGEBRIDGE_SYSROOT}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} ${EDGEBRIDGE_SYSROOT}/lib/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
endif()

file(WRITE ${PROJECT_BINARY_DIR}/packaging/conffiles "/etc/edgebridge/bridge.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/packaging/conffiles
  ${EDGEBRIDGE_PACKAGING_DIR}/postinst
  ${EDGEBRIDGE_PACKAGING_DIR}/prerm
  ${EDGEBRIDGE_PACKAGING_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
