package identity

// HasPassword reports whether a password can log the account in. An
// account made by a SPID/CIE login has none until the person sets one with
// a password reset; the account page then offers that instead of the forms
// that ask for the current password.
func (a Account) HasPassword() bool { return a.PasswordHash != "" && a.PasswordHash != noPassword }
