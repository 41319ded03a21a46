package identity

import (
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn"
)

// GuessedFrom is how many of a password's first characters are judged for
// how easy it is to guess: the estimate's work grows fast with the length
// (a password of 1,000 characters took seconds), and a password whose
// first 64 characters are hard to guess is too.
const GuessedFrom = 64

// MinGuessScore is the least zxcvbn score a new password must reach: 2,
// about a million guesses or more with the person's own name and address
// counted as known words. Below it are the common passwords, keyboard
// rows, repeats, sequences, dates and names with a number (NIST SP 800-63B
// asks that such "commonly used" passwords be refused), which a length of
// 10 lets through ("aaaaaaaaaa", "passwordpassword", "Password123!").
const MinGuessScore = 2

// guessable reports whether pw is too easy to guess, knowing the words
// about its account (e-mail address, name) that an attacker knows too.
func guessable(pw string, about ...string) bool {
	if runes := []rune(pw); len(runes) > GuessedFrom {
		pw = string(runes[:GuessedFrom])
	}
	words := []string{"cityhub"}
	for _, a := range about {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		// The whole, its parts on their own and run together: the
		// estimate does not join two known words ("annarossi").
		parts := strings.FieldsFunc(a, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		words = append(append(words, a, strings.Join(parts, "")), parts...)
	}
	return zxcvbn.PasswordStrength(pw, words).Score < MinGuessScore
}
