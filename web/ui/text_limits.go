package ui

import (
	"cityhub/mobility"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// textLimits are the most characters of each text people type on the
// participation, bike, voucher and theatre pages, as the services' checks
// bound them, for the forms' maxlength and their hints: a browser stops the
// typing where the check would refuse it, and the pages cannot bound a
// text at another number than the check and the refusal's words name.
type textLimits struct {
	// Title and Body are a proposal's; Comment and Answer, a comment's and
	// the City's answer to a proposal.
	Title, Body, Comment, Answer int
	// Description and Address are a report's.
	Description, Address int
	// Note is a reason (a reopening's, a comment's report) or the note of
	// a report's change of status or merge.
	Note int
	// MinFault and Fault bound a bike or dock fault's description;
	// DockNote, the operator's note on a dock out of service.
	MinFault, Fault, DockNote int
	// PaymentRef is a shop's statement's bank transfer reference.
	PaymentRef int
	// CategoryName is a venue's name of a seat category, in each language.
	CategoryName int
}

var typedLimits = textLimits{
	Title:        participation.MaxTitleLen,
	Body:         participation.MaxBodyLen,
	Comment:      participation.MaxCommentLen,
	Answer:       participation.MaxAnswerLen,
	Description:  participation.MaxDescriptionLen,
	Address:      participation.MaxAddressLen,
	Note:         participation.MaxNoteLen,
	MinFault:     mobility.MinReportText,
	Fault:        mobility.MaxReportText,
	DockNote:     mobility.MaxDockNote,
	PaymentRef:   vouchers.MaxPaymentRef,
	CategoryName: ticketing.MaxCategoryName,
}
