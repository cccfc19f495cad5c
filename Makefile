# Bianmin Kiosk. `make run` and `make test` install what they need on a fresh
# Debian 12 (build dependencies through apt-get) before they build.
SHELL := /bin/bash
GO ?= go
export LANG := zh_CN.UTF-8
export CGO_ENABLED := 1
BUILD := build
DISPLAY_NUM ?= :99
# Fyne with the idle loop (packaging/fyne/_overlay, docs/ARCHITECTURE.md
# "Fyne's idle loop"): the go flag that selects it, prepared when used.
FYNE_PATCH = $(shell packaging/scripts/fyne-overlay.sh $(BUILD)/fyne)

.PHONY: all deps build run test test-short test-nofonts mustdie mutate vet bench fuzz soak screenshots e2e deb deb-test boot-test update-test clean

all: build

deps:
	@packaging/scripts/install-deps.sh
	@packaging/scripts/install-npm.sh

build: deps
	@mkdir -p $(BUILD)
	$(GO) build $(FYNE_PATCH) -o $(BUILD)/ ./cmd/...

# Starts the kiosk with the embedded default configuration: simulated devices
# and the platform emulator in-process. Without a display it starts Xvfb.
run: build
	@if [ -z "$$DISPLAY" ]; then \
	  echo "no DISPLAY: starting Xvfb on $(DISPLAY_NUM) (1080x1920)"; \
	  (Xvfb $(DISPLAY_NUM) -screen 0 1080x1920x24 -nolisten tcp >/dev/null 2>&1 &); sleep 1; \
	  DISPLAY=$(DISPLAY_NUM) ./$(BUILD)/kiosk --dock; \
	else ./$(BUILD)/kiosk --dock; fi

vet: deps
	$(GO) vet ./...

# The whole suite: vet, then every test with the race detector (including
# the short power-cut test on crashfs), the golden images again with no
# system font visible, and the must-die mutations.
test: deps vet
	$(GO) test -race -timeout 20m $$($(GO) list ./... | grep -v '/app/screens$$')
	@# app/screens without -race: Fyne's test driver runs fyne.Do inline on the
	@# calling goroutine, so its tests read the widget tree while session
	@# goroutines render into it (the real driver has one UI goroutine). Open work.
	$(GO) test -timeout 20m ./app/screens/
	@packaging/scripts/test-nofonts.sh
	@packaging/scripts/mustdie.sh

# Golden images (screens, widgets, receipts) in a mount namespace with every
# font directory empty: nothing may depend on the machine's fonts.
test-nofonts: deps
	@packaging/scripts/test-nofonts.sh

# Each must-die mutation (remove an fsync, send twice, skip the receipt
# check, store plaintext, ignore the frame checksum, print on paper-out) on a
# copy of the tree must make its named test fail.
mustdie: deps
	@packaging/scripts/mustdie.sh

# Mutation testing with go-gremlins (slow; MUTATE_PKGS="./offline" to narrow).
mutate: deps
	@packaging/scripts/mutate.sh

test-short: deps
	$(GO) test -short ./...

# The headline figures with their goals and same-run baselines: writes
# build/bench.md, build/bench.json and a benchstat comparison with the
# previous run; fails when a row misses its goal. BIN=dir builds there.
bench: deps
	@BIN=$(or $(BIN),$(BUILD)) OUT=$(BUILD) packaging/scripts/bench.sh

fuzz: deps
	@packaging/scripts/fuzz.sh

soak: deps
	KIOSK_SOAK=1 $(GO) test -run 'Crash|Kill|Soak|PowerCut' -timeout 60m ./offline/... ./sync/...

screenshots: build
	@packaging/scripts/screenshots.sh

# Human-speed end-to-end tests: the real kiosk under Xvfb driven only by X
# input events (xdotool); one line "e2e: N flows, T taps, L lost";
# screenshots of every step in build/e2e/.
e2e: deps
	@packaging/scripts/e2e.sh

# The Debian packages (nfpm): build/bianmin-kiosk_*.deb for terminals and
# build/bianmin-kiosk-sim_*.deb (the platform emulator) for developers, then
# lintian (0 errors), systemd-analyze verify and security (<= 4.0).
deb: deps
	@packaging/build-deb.sh

# Installs the package into a fresh debootstrap root of Debian 12 and checks
# files, users, permissions, enabled units, and that the kiosk starts there;
# then boots that root under a real systemd (boot-test below; DEB_TEST_BOOT=0 skips).
deb-test: deb
	@packaging/scripts/deb-root-test.sh

# Boots a fresh Debian 12 root with the package installed under a real
# systemd (systemd-nspawn --boot) and checks the unit as systemd runs it:
# started at boot without the network, READY=1, the watchdog restarting a
# hung UI loop, `systemctl reload` restarting an idle kiosk, exposure <= 4.0.
boot-test: deb
	@packaging/scripts/boot-test.sh

# The signed update path: a throwaway repository (apt-ftparchive) signed by a
# throwaway key, apt in a private directory: accepted when signed, refused
# when the Release or a package is changed after signing or another key signed.
update-test: deps
	@packaging/scripts/update-test.sh

clean:
	rm -rf $(BUILD)
