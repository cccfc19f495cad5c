// Package escpos speaks ESC/POS to thermal receipt printers: a Builder that
// accumulates command bytes (GB18030 text, sizes, QR codes, raster images,
// cuts), the DLE EOT real-time status query and its parser, and an
// interpreter that renders a byte stream back into images for golden tests
// and the simulator.
//
// It works on byte slices and io.ReadWriter only and never opens a port;
// transports live in sibling packages. It may be imported by devices/printer,
// its simulator and kioskctl; the app should use devices/printer instead.
package escpos
