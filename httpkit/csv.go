package httpkit

import "strings"

// CSVSafe defuses a CSV cell that a spreadsheet would take for a formula
// (one starting with =, +, -, @, a tab or a carriage return): it is
// written with a leading apostrophe, which spreadsheets show as text.
// Cells that people typed (names, titles, addresses) go through it in
// every CSV Convene writes.
func CSVSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
