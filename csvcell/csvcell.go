// Package csvcell makes text safe to put in a CSV cell that a spreadsheet
// will open. A cell that starts with =, +, -, @, a tab or a carriage
// return is read by Excel, LibreOffice and Google Sheets as a formula
// (CSV injection), which can fetch addresses or run commands on the
// computer of whoever opens the file. Every CSV the hub writes passes the
// text that people or devices typed through Text; numbers, times and ids
// the hub made itself need not.
package csvcell

// Text is s with a leading apostrophe when a spreadsheet would read it as
// a formula; the apostrophe is how spreadsheets themselves mark text.
func Text(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
