module github.com/bianmin/kiosk

go 1.26.8

require (
	fyne.io/fyne/v2 v2.7.2 // indirect
	github.com/BurntSushi/toml v1.5.0 // indirect
	github.com/OpenPrinting/goipp v1.2.0 // indirect
	github.com/creack/pty v1.1.24 // indirect
	github.com/google/gousb v1.1.3 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/holoplot/go-evdev v0.0.0-20240306072622-217e18f17db1 // indirect
	github.com/makiuchi-d/gozxing v0.1.1 // indirect
	github.com/mattn/go-sqlite3 v1.14.32 // indirect
	github.com/mozillazg/go-pinyin v0.20.0 // indirect
	github.com/phpdave11/gofpdi v1.0.14-0.20211212211723-1f10f9844311 // indirect
	github.com/pkg/errors v0.8.1 // indirect
	github.com/signintech/gopdf v0.32.0 // indirect
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e // indirect
	github.com/tarm/serial v0.0.0-20180830185346-98f6abe2eb07 // indirect
	github.com/tus/tusd/v2 v2.8.0 // indirect
	golang.org/x/image v0.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
)
