// Command fontchars prints every character the kiosk can show (see package
// fontchars), for assets/fonts/make-font.sh. Usage: fontchars [module root].
package main

import (
	"fmt"
	"os"

	"github.com/bianmin/kiosk/assets/internal/fontchars"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	m, err := fontchars.Collect(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(string(fontchars.Sorted(m)))
	fmt.Fprintf(os.Stderr, "fontchars: %d characters\n", len(m))
}
