# make install: the release build, the units, the users and directories, the configuration
# (never overwriting one already there), the udev rule and infusionctl's shell completions.
# DESTDIR stages everything under a root (packaging, CI); without it the users, directories and
# rules are also applied to this machine. Needs root for a real install.
PREFIX ?= /usr/local
DESTDIR ?=
BIN := $(DESTDIR)$(PREFIX)/bin
UNITDIR := $(DESTDIR)/etc/systemd/system
SYSUSERSDIR := $(DESTDIR)/usr/lib/sysusers.d
TMPFILESDIR := $(DESTDIR)/usr/lib/tmpfiles.d
UDEVDIR := $(DESTDIR)/etc/udev/rules.d
CONFDIR := $(DESTDIR)/etc/infusiond
DOCDIR := $(DESTDIR)$(PREFIX)/share/doc/infusiond
COMPLETIONS := $(DESTDIR)/usr/share/bash-completion/completions $(DESTDIR)/usr/share/zsh/vendor-completions $(DESTDIR)/usr/share/fish/vendor_completions.d
# The installed programs carry the Swift runtime (--static-swift-stdlib), as the package's do, so
# they run where no toolchain is installed; the scratch path is the bookworm package's.
RELEASE := .build-static/release

.PHONY: all build install deb deb-trixie check-systemd demo test bench soak

all: build

build:
	scripts/install-dependencies
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product infusiond
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product infusionctl

install: build
	install -d $(BIN) $(UNITDIR) $(SYSUSERSDIR) $(TMPFILESDIR) $(UDEVDIR) $(CONFDIR) $(DOCDIR) $(COMPLETIONS)
	install -m 0755 $(RELEASE)/infusiond $(RELEASE)/infusionctl $(BIN)/
	install -m 0644 systemd/infusiond.service $(UNITDIR)/infusiond.service
	install -m 0644 systemd/infusiond.sysusers $(SYSUSERSDIR)/infusiond.conf
	install -m 0644 systemd/infusiond.tmpfiles $(TMPFILESDIR)/infusiond.conf
	install -m 0644 hardware/60-infusiond-gpio.rules $(UDEVDIR)/60-infusiond-gpio.rules
	for file in config/infusiond.toml config/drug-library.toml hardware/pinmap.toml hardware/syringes.toml; do \
	  [ -e $(CONFDIR)/$$(basename $$file) ] || install -m 0644 $$file $(CONFDIR)/; done
	install -m 0644 README.md docs/protocol.md docs/operations.md $(DOCDIR)/
	$(RELEASE)/infusionctl --generate-completion-script bash > $(DESTDIR)/usr/share/bash-completion/completions/infusionctl
	$(RELEASE)/infusionctl --generate-completion-script zsh > $(DESTDIR)/usr/share/zsh/vendor-completions/_infusionctl
	$(RELEASE)/infusionctl --generate-completion-script fish > $(DESTDIR)/usr/share/fish/vendor_completions.d/infusionctl.fish
	@if [ -z "$(DESTDIR)" ]; then \
	  systemd-sysusers && systemd-tmpfiles --create /usr/lib/tmpfiles.d/infusiond.conf; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  if command -v udevadm >/dev/null && [ -d /run/udev ]; then udevadm control --reload && udevadm trigger --subsystem-match=gpio; fi; \
	  echo "installed; edit /etc/infusiond/infusiond.toml, then: systemctl enable --now infusiond"; \
	fi

# The Debian package for this machine's release (scripts/build-deb): infusiond_VERSION_ARCH.deb in
# .build-deb/, with the Swift runtime linked in, checked by lintian.
deb:
	scripts/build-deb

# The same for Debian 13 / Raspberry Pi OS trixie, on libgpiod v2: infusiond_VERSION+deb13_ARCH.deb.
deb-trixie:
	scripts/build-deb --flavour trixie

# The units checked as CI checks them: systemd-analyze verify, and the exposure score.
check-systemd:
	scripts/check-systemd

demo:
	scripts/demo

test:
	scripts/test

bench:
	scripts/bench
	scripts/bench-daemon
	scripts/bench-loop

# The long torture runs (issue 6): 100 kill -9s on the NE-1000 path (CI runs 8), 100 000 random
# command and fault sequences through the core (CI runs 10 000), and the fuzzers for ten minutes
# each (CI: one).
soak:
	scripts/install-dependencies
	swift build --build-tests -c release
	INFUSIOND_TORTURE_KILLS=100 swift test -c release --skip-build --filter ne1000CrashTorture
	INFUSIOND_PROPERTY_SEQUENCES=100000 swift test -c release --skip-build --filter invariantsHoldAtScale
	FUZZ_SECONDS=600 scripts/fuzz
	scripts/test-systemd-boot --flavour trixie
