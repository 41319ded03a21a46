package api

import (
	"fmt"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ticketing"
)

// Ticketing's part of web/api/openapi.json: its components, field notes and
// operations (openAPIOperations appends ticketingOps).

var door = []identity.Role{identity.RoleDoor}

var (
	orderStatuses  = []string{ticketing.OrderHeld, ticketing.OrderPaid, ticketing.OrderRefundDue, ticketing.OrderCancelled, ticketing.OrderRefunded}
	ticketStatuses = []string{ticketing.TicketValid, ticketing.TicketCheckedIn, ticketing.TicketCancelled}
	payMethods     = []string{ticketing.PayWallet, ticketing.PayCard}
	perfStatuses   = []string{ticketing.PerformanceScheduled, ticketing.PerformanceCancelled}
)

func init() {
	openAPIComponents = append(openAPIComponents,
		component{name: "Venue", typ: typeOf[ticketing.Venue]()},
		component{name: "VenueRequest", typ: typeOf[venueRequest](), request: true, required: []string{"name", "address"}},
		component{name: "Seat", typ: typeOf[ticketing.Seat](), desc: "A seat; its id is section/row/number."},
		component{name: "SeatMap", typ: typeOf[ticketing.SeatMap](), request: true, required: []string{"sections"},
			desc: "Sections of rows; each row numbers its seats from..to, all of one price category."},
		component{name: "CategoryName", typ: typeOf[ticketing.CategoryName](), request: true, ref: true, required: []string{"code"},
			desc: "The venue's own name of one seat category of its seat map, by its code: name_it and name_en both, or neither (the category reads by the hub's words for its code)."},
		component{name: "CategoryNames", typ: typeOf[categoryNamesRequest](), request: true, required: []string{"categories"},
			desc: "The names the venue gives its seat categories, in place of all it gave before: a category left out reads by the hub's words for its code."},
		component{name: "Performance", typ: typeOf[ticketing.Performance](), desc: "prices_cents gives the price of each seat category in cents; seats of a category without a price are not on sale."},
		component{name: "PerformanceRequest", typ: typeOf[ticketing.PerformanceRequest](), request: true, required: []string{"venue_id", "title", "starts_at", "prices_cents"},
			desc: "Times are RFC 3339 or local times in the city's time zone, CITYHUB_TIMEZONE (2026-12-01T20:30). sales_open defaults to now, sales_close to the start. doors_open defaults to two hours before the start; the end is ends_at or the start plus duration_minutes (not both), three hours after the start when neither is given. On PUT, doors and end left empty keep their distance from the start. venue_id is ignored by PUT."},
		component{name: "SeatState", typ: typeOf[ticketing.SeatState]()},
		component{name: "SeatCategory", typ: typeOf[ticketing.Category](),
			desc: "A seat category of the hall: code is what seats and prices_cents name it by (a stable identifier, typed by the city), name_it and name_en what an app shows for it: the venue's own names (named: true) where the city gave them, else the hub's words for the code (the code made readable when it has none); price_cents its price at the performance (absent: not on sale, and always in a venue's list of its categories)."},
		component{name: "SeatAvailability", typ: typeOf[ticketing.Availability](), desc: "A performance's seat map with the state of each seat; held seats free up when their hold expires."},
		component{name: "HoldRequest", typ: typeOf[holdRequest](), request: true, required: []string{"seats"}},
		component{name: "OrderSeat", typ: typeOf[ticketing.OrderSeat]()},
		component{name: "TicketOrder", typ: typeOf[ticketing.Order](), desc: "Seats held for a buyer until hold_expires_at, then paid (tickets issued), or marked refund_due when a card payment arrived after its seats were sold elsewhere."},
		component{name: "TicketOrderPage", typ: typeOf[ticketing.OrderPage](), desc: "A page of the caller's orders, newest first; pass next_cursor as ?cursor= for the following page (absent at the end)."},
		component{name: "PayRequest", typ: typeOf[payRequest](), request: true, required: []string{"method"}},
		component{name: "TicketPayment", typ: typeOf[TicketPayment](), desc: "With credit: the paid order and its tickets. By card: the held order and a Stripe PaymentIntent to confirm; the tickets follow Stripe's webhook."},
		component{name: "Ticket", typ: typeOf[ticketing.TicketView](), desc: "A ticket; code (the typed code) only for its holder while it is valid."},
		component{name: "TicketQRToken", typ: typeOf[ticketing.Token](), desc: "A freshly signed QR token (see docs/qr.md); fetch a new one after refresh_after."},
		component{name: "TicketCodeRequest", typ: typeOf[ticketCodeRequest](), request: true, required: []string{"code", "performance_id"}},
		component{name: "CheckIn", typ: typeOf[ticketing.CheckInResult]()},
		component{name: "DoorTicket", typ: typeOf[ticketing.DoorTicket](), desc: "A ticket as the door sees it: the seat and performance it admits to and its state, not who bought it."},
		component{name: "DoorPerformance", typ: typeOf[ticketing.DoorPerformance](), desc: "A performance the door may check tickets for; its tickets enter from doors_open until ends_at."},
		component{name: "DoorListOther", typ: typeOf[ticketing.DoorListOther]()},
		component{name: "DoorList", typ: typeOf[ticketing.DoorList](),
			desc: "What a door device needs to check one performance's QR tokens offline with the hub's rule: the performance and its door window, the ids of its tickets (not cancelled), the venue's other performances that have not ended with theirs (to name a ticket's own performance), and the hub's clock. Whether a ticket was already used is decided online only."},
		component{name: "SalesStats", typ: typeOf[ticketing.SalesStats]()},
		component{name: "OfflineEntry", typ: typeOf[ticketing.OfflineEntry](), request: true, ref: true, required: []string{"id", "code", "at"},
			desc: "An entry the door let in while it could not reach the hub: the device's own id for it, the QR token it checked, and when it let the person in, by the hub's clock as the device kept it (the door list's now against its own)."},
		component{name: "OfflineUpload", typ: typeOf[ticketing.OfflineUpload](), request: true, required: []string{"performance_id", "device", "entries"},
			desc: "The entries a door device let in offline at one performance's door, sent once the hub answers again."},
		component{name: "OfflineEntryResult", typ: typeOf[ticketing.OfflineEntryResult](),
			desc: "What the hub made of one uploaded entry. checked_in: the ticket was checked in at the entry's time. double_entry: the ticket had been used already (reason already_checked_in, checked_in_at when) or cancelled (ticket_cancelled); the entry is recorded for an operator. rejected: the entry does not hold up (reason and detail say why) and nothing was recorded. replayed: an earlier upload recorded it, and this is its answer."},
		component{name: "OfflineEntries", typ: typeOf[offlineEntriesAnswer](), desc: "Each uploaded entry's outcome, in the order sent."},
		component{name: "DoubleEntry", typ: typeOf[ticketing.DoubleEntry](),
			desc: "An entry a door let in offline whose ticket had been used already or cancelled when it reached the hub: the ticket and seat, why, when the door let the person in (entered_at), when the ticket had been checked in before, the door staff account that uploaded it (staff_id, staff_name) and its device."},
		component{name: "DoubleEntries", typ: typeOf[doubleEntriesAnswer](), desc: "A performance's double entries, in the order the doors let them in, at most 500; more says there are others after them."},
	)
	for k, v := range map[string]*obj{
		"Performance.status":                   newObj("enum", perfStatuses),
		"TicketOrder.status":                   newObj("enum", orderStatuses),
		"TicketOrder.method":                   newObj("enum", payMethods),
		"TicketOrderPage.next_cursor":          newObj("description", "Cursor of the next (older) page; absent on the last page."),
		"PayRequest.method":                    newObj("enum", payMethods),
		"Ticket.status":                        newObj("enum", ticketStatuses),
		"SeatAvailability.categories":          newObj("description", "Every seat category of the hall, in the order of its seat map, with the names to show for a seat's category code."),
		"CategoryName.name_it":                 newObj("description", "The name in Italian, one line (trimmed of surrounding spaces); empty with name_en empty too.", "maxLength", ticketing.MaxCategoryName),
		"CategoryName.name_en":                 newObj("description", "The name in English, one line (trimmed of surrounding spaces); empty with name_it empty too.", "maxLength", ticketing.MaxCategoryName),
		"CategoryNames.categories":             newObj("description", "At most one entry a category code; none: every category reads by the hub's words."),
		"SeatCategory.named":                   newObj("description", "true: name_it and name_en are the venue's own names for the category (PUT /api/v1/admin/venues/{id}/categories); absent: the hub's words for its code."),
		"SeatState.category":                   newObj("description", "The code of the seat's category, a stable identifier: categories gives the names to show for it."),
		"TicketOrder.seats":                    newObj("description", "In the order people read them: section, row, then seat number (Platea/A/2 before Platea/A/10)."),
		"OrderSeat.category":                   newObj("description", "The code of the seat's category, a stable identifier: the performance's seat map (categories) gives the names to show for it."),
		"SeatState.state":                      newObj("enum", []string{ticketing.SeatFree, ticketing.SeatHeld, ticketing.SeatSold, ticketing.SeatNotOnSale}),
		"HoldRequest.seats":                    newObj("minItems", 1, "maxItems", ticketing.MaxSeatsPerOrder),
		"TicketCodeRequest.code":               newObj("description", "A scanned QR token or a typed code."),
		"OfflineUpload.device":                 newObj("description", "The device's own id, the same for every upload it sends.", "minLength", 1, "maxLength", 64, "pattern", "^[A-Za-z0-9_.:-]+$"),
		"OfflineUpload.entries":                newObj("minItems", 1, "maxItems", ticketing.MaxOfflineEntries),
		"OfflineUpload.performance_id":         newObj("description", "The performance whose door let them in."),
		"OfflineEntry.id":                      newObj("description", "The device's id for the entry (a UUID, say), never used again on the device: sent again with the same id, the entry is recorded once.", "minLength", 1, "maxLength", 64, "pattern", "^[A-Za-z0-9_.:-]+$"),
		"OfflineEntry.code":                    newObj("description", "The QR token the door checked offline (typed codes cannot be checked offline)."),
		"OfflineEntryResult.outcome":           newObj("enum", []string{ticketing.EntryCheckedIn, ticketing.EntryDouble, ticketing.EntryRejected}),
		"OfflineEntryResult.reason":            newObj("description", "For a double entry: already_checked_in or ticket_cancelled. For a rejected one: qr_invalid, qr_expired (the token had expired when the door read it), entry_time_invalid (a time before the token was shown, or after the hub's clock), doors_not_open, performance_ended, ticket_other_performance, not_your_venue, ticket_not_found or entry_id_reused (the device sent another entry under this id)."),
		"DoubleEntry.reason":                   newObj("enum", []string{"already_checked_in", "ticket_cancelled"}),
		"TicketCodeRequest.performance_id":     newObj("description", "The performance the door is checking tickets for (GET /api/v1/door/performances)."),
		"PerformanceRequest.title":             newObj("minLength", 1),
		"PerformanceRequest.starts_at":         newObj("description", "An RFC 3339 time, or a local time in the city's zone such as 2026-12-01T20:30; in the years 2000 to 2999."),
		"PerformanceRequest.duration_minutes":  newObj("description", "Instead of ends_at: how long the performance lasts, 1 to 720 minutes (0 is invalid_duration); absent or null: none, the end is ends_at or its default.", "minimum", 1, "maximum", 720),
		"PerformanceRequest.self_cancel_hours": newObj("description", "Buyers may cancel their own paid orders until this many hours before the start (0: until the start); absent or null: only an administrator refunds.", "minimum", 0, "maximum", ticketing.MaxSelfCancelHours),
	} {
		openAPIFieldNotes[k] = v
	}
}

// performanceFields are the reasons a performance's fields are refused with
// (ticketing.PerformanceRequest.Performance, Performance.Validate).
const performanceFields = "400 invalid_title for a title that is not one line of 1 to 200 characters, invalid_venue without a venue, unknown_venue for an unknown one, venue_without_seats for one without a seat map; invalid_starts_at, invalid_sales_open, invalid_sales_close, invalid_doors_open, invalid_ends_at for a time that is not RFC 3339 nor a local time like 2026-12-01T20:30 (invalid_starts_at too without a start or one outside the years 2000 to 2999); local_time_gap for a local time the city's clocks skip (the spring change: in Rome 02:00 to 02:59 on its night) and local_time_ambiguous for one they show twice (the autumn change: 02:00 to 02:59), unless given with its offset (+02:00 for the first, +01:00 for the second), each naming the field; starts_in_past for a start at or before now (on PUT, only when the start changes); invalid_ends_at for both an end and a duration or an end not after the start or more than 12 hours later, invalid_duration for a duration that is not 1 to 720 minutes; invalid_prices without a price, invalid_category for a category name that is not 1 to 20 characters without spaces or slashes, unknown_category for a category the venue has no seats of, invalid_price for a price that is not a positive number of cents up to 10000000 (100,000.00 EUR, so that an order of the most seats is one amount); invalid_sales_window unless sales open before they close and close by the start, invalid_doors_open unless the doors open at or before the start and at most 12 hours before it; invalid_self_cancel_hours for self_cancel_hours out of bounds."

func ticketingOps() []apiOperation {
	return []apiOperation{
		// The programme.
		{method: "GET", path: "/api/v1/performances", id: "listPerformances", tag: "ticketing", summary: "Performances on the programme, soonest first", auth: "public",
			ok: []apiResponse{{status: 200, desc: "Scheduled performances that have not started.", schema: listOf("performances", "Performance")}}},
		{method: "GET", path: "/api/v1/performances/{id}/seats", id: "getPerformanceSeats", tag: "ticketing", summary: "A performance's seats and which are free", auth: "public",
			desc: "404 (performance_not_found) for an unknown performance.",
			ok:   []apiResponse{{status: 200, desc: "The seat map.", schema: "SeatAvailability"}}, errs: []int{404}},

		// Citizens.
		{method: "POST", path: "/api/v1/performances/{id}/holds", id: "holdSeats", tag: "ticketing", summary: "Hold seats while paying", auth: "roles", roles: citizen,
			desc: "The seats are kept for ten minutes. 400 (reason invalid_seats) for no seats, more than 10 or one seat twice, unknown_seat for a seat not on sale for this performance. 409 (reason seat_taken) when a seat is held or sold, or too_many_held when the caller would hold more than 10 unpaid seats of the performance, or not_on_sale when its tickets are not on sale now; nothing is held then. 404 (performance_not_found) for an unknown performance.",
			query: []apiParam{{name: "Idempotency-Key", in: "header", desc: "Optional: a retry with the same key and seats (in any order) answers the first hold, or its refusal again (Idempotent-Replayed: true) even once the seats are free; the same key for other seats is 409.",
				schema: newObj("type", "string", "minLength", 1, "maxLength", idem.MaxKeyLen)}},
			body: "HoldRequest", ok: []apiResponse{{status: 201, desc: "The held order (a retry: the first hold, marked Idempotent-Replayed).", schema: "TicketOrder", headers: []string{"Location", "Idempotent-Replayed"}}},
			errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/ticket-orders", id: "listMyTicketOrders", tag: "ticketing", summary: "A page of the caller's ticket orders", auth: "roles", roles: citizen,
			desc:  "Every order the caller made (held, paid, given up, refunded), a page at a time: an order that is not the caller's as cursor is 400 (bad_cursor), as one that does not exist.",
			query: []apiParam{cursorQuery, limitOf(50, ticketing.MaxOrderPage, "")},
			ok:    []apiResponse{{status: 200, desc: "Orders, newest first.", schema: "TicketOrderPage"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/ticket-orders/{id}", id: "getTicketOrder", tag: "ticketing", summary: "One order (its buyer or a city admin)", auth: "bearer",
			desc: "404 (reason order_not_found) for an order that is not the caller's (a city admin reads any), as for one that does not exist.",
			ok:   []apiResponse{{status: 200, desc: "The order.", schema: "TicketOrder"}}, errs: []int{401, 404}},
		{method: "POST", path: "/api/v1/ticket-orders/{id}/pay", id: "payTicketOrder", tag: "ticketing", summary: "Pay a held order with credit or by card", auth: "roles", roles: citizen,
			desc: "method is wallet or card (another is 400, reason invalid_method). 404 (order_not_found) for an order that is not the caller's. wallet: the credit is charged and the tickets issued in one transaction (402, reason insufficient_funds, when the credit is short; 409 hold_lost when the hold expired and a seat was taken; 401 account_deleted when the caller's account was erased while the request was on its way, and nothing is charged). card: a Stripe PaymentIntent for the order (503 when card payments are off, 503 card_payment_unavailable with nothing charged when Stripe cannot be reached; 409 hold_expired once the hold has run out); the tickets follow the payment_intent.succeeded webhook. Paying with credit is still possible after the hold ran out while the seats are free and still on sale (409 seats_off_sale for a seat whose category has lost its price since; a card payment confirmed for such an order is refunded, the order refund_due); the order stays held (its hold_expires_at past) until it is paid or released, also after a hold_lost. Either way is 409 not_on_sale once the performance's sales have closed or it was cancelled, even within the hold (a card payment started before the sales closed still issues the tickets when its webhook arrives within the hold; once the hold has run out, or the performance was cancelled or has ended, the order becomes refund_due). An order already paid with credit is charged nothing more: paying it again, with any key, answers it as it is (200); 409 order_not_payable for an order no longer held (cancelled, released, refunded, paid by card). wallet after card: 402 when the credit is short, before anything is canceled (the card payment stays the order's); otherwise the card payment begun for the order is first canceled at Stripe (a canceled PaymentIntent can never be paid), then the order is paid with credit; 409 payment_started when Stripe will not cancel it (it succeeded or is being processed: its webhook decides the order) and nothing changes; 503 (card_cancel_unavailable) when Stripe cannot be reached. card after such a cancel starts a new PaymentIntent: a retry of one attempt gets that attempt's intent again. A card answer's client_secret is not kept with the answer kept for its Idempotency-Key: a retry gets the first answer with its secret asked again (from the hub, or from Stripe, which answers the intent's key with the same intent for a day), and after that day 409 payment_secret_expired (not kept: look the order up).",
			body: "PayRequest", ok: []apiResponse{{status: 200, desc: "Paid with credit.", schema: "TicketPayment"}, {status: 202, desc: "Card payment started.", schema: "TicketPayment"}},
			errs: []int{400, 401, 402, 403, 404, 409, 503}},
		{method: "POST", path: "/api/v1/ticket-orders/{id}/cancel", id: "cancelMyTicketOrder", tag: "ticketing", summary: "Cancel one's own paid order under the performance's rule", auth: "roles", roles: citizen,
			desc: "Allowed until the performance's self_cancel_hours before its start: the tickets are cancelled, the seats go back on sale and the money returns the way it came (credit, or a card refund sent to Stripe), exactly once; cancelling again answers the order unchanged (its note: cancelled by the buyer). An order refunded by anyone else (an administrator, the performance's cancellation, Stripe) is refused, nothing changing: self_cancel_not_allowed where the performance has no rule, already_refunded where it has one. 401 (account_deleted) for a refund to credit when the caller's account was erased while the request was on its way, and nothing changes. 409 with reason self_cancel_not_allowed (no rule), self_cancel_closed (the deadline passed; the message names it), order_not_cancellable (not paid), already_refunded, order_disputed or ticket_used; 404 (order_not_found) for an order that is not the caller's.",
			ok:   []apiResponse{{status: 200, desc: "The refunded order.", schema: "TicketOrder"}}, errs: []int{401, 403, 404, 409}},
		{method: "POST", path: "/api/v1/ticket-orders/{id}/release", id: "releaseMyTicketOrder", tag: "ticketing", summary: "Give up one's own held order", auth: "roles", roles: citizen,
			desc: "The order's seats are free again at once and the order is cancelled (note: released by the buyer); no money moves, since a held order has been paid for by nothing. An order no longer held (paid, refund_due, cancelled, refunded) is answered as it is and nothing changes, so a repeated release is harmless; giving up a paid order is the cancel operation's. A card payment begun for the order is first canceled at Stripe, then detached in the transaction that releases; 409 payment_started when Stripe will not cancel it (it succeeded or is being processed: its webhook decides the order) and nothing changes; 503 (card_cancel_unavailable) when Stripe cannot be reached. 404 (order_not_found) for another's order.",
			ok:   []apiResponse{{status: 200, desc: "The order, released or as it was.", schema: "TicketOrder"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "GET", path: "/api/v1/tickets", id: "listMyTickets", tag: "ticketing", summary: "The caller's tickets", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Tickets, newest first.", schema: listOf("tickets", "Ticket")}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/tickets/{id}/qr", id: "getTicketQRToken", tag: "ticketing", summary: "A fresh QR token for one of the caller's tickets", auth: "roles", roles: citizen,
			desc: "409 (reason ticket_not_valid) once the ticket is checked in or cancelled; 404 (ticket_not_found) for a ticket that is not the caller's.",
			ok:   []apiResponse{{status: 200, desc: "The token.", schema: "TicketQRToken"}}, errs: []int{401, 403, 404, 409}},

		// The door.
		{method: "GET", path: "/api/v1/door/performances", id: "listDoorPerformances", tag: "ticketing-door", summary: "The performances the caller checks tickets for", auth: "roles", roles: door,
			ok: []apiResponse{{status: 200, desc: "The caller's venues' performances that have not ended, soonest first (at most 8).", schema: listOf("performances", "DoorPerformance")}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/door/performances/{id}/list", id: "getDoorList", tag: "ticketing-door", summary: "A performance's door list, for checking QR tokens offline", auth: "roles", roles: door,
			desc: "403 (reason not_your_performance) for a performance of another venue; 400 (performance_missing) for an empty or blank id; 404 (performance_not_found) for an unknown performance.",
			ok:   []apiResponse{{status: 200, desc: "The door list.", schema: "DoorList"}}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/door/tickets/verify", id: "verifyTicket", tag: "ticketing-door", summary: "Show what a ticket code is for the chosen performance, without checking it in", auth: "roles", roles: door,
			desc: "The rules of check-in, without the write. 400 without performance_id (reason performance_missing); 400 code_missing without a code, qr_invalid for a forged or malformed token, code_malformed for a typed code that cannot be one; 404 (code_unknown) for a typed code no ticket has; 404 (performance_not_found) for an unknown performance; 403 for a performance or ticket of another venue than the caller's door_staff grants; 409 for an expired token, a used or cancelled ticket, a ticket for another performance (ticket_other_performance), before the doors open (doors_not_open) or after the end (performance_ended). Failed look-ups of typed codes are rate-limited (429, too_many_failed_codes) and answer alike.",
			body: "TicketCodeRequest", ok: []apiResponse{{status: 200, desc: "The ticket, as the door sees it.", schema: "DoorTicket"}}, errs: []int{400, 401, 403, 404, 409, 429}},
		{method: "POST", path: "/api/v1/door/tickets/check-in", id: "checkInTicket", tag: "ticketing-door", summary: "Check a ticket in for the chosen performance", auth: "roles", roles: door,
			desc: "A ticket enters only its own performance, from its doors_open until its ends_at, by the hub's clock. The first scan wins, atomically; a later one is 409 (reason already_checked_in) with the time of the first in its detail. 409 ticket_other_performance names the ticket's own performance and date in its detail; 409 doors_not_open gives the opening time; 409 performance_ended the end. 400 without performance_id (performance_missing); 400 code_missing without a code, qr_invalid for a forged or malformed token, code_malformed for a typed code that cannot be one; 404 (code_unknown) for a typed code no ticket has; 404 (performance_not_found) for an unknown performance; 403 for a performance (not_your_performance) or ticket (not_your_venue) of another venue. 429 (too_many_failed_codes) after too many wrong typed codes.",
			body: "TicketCodeRequest", ok: []apiResponse{{status: 200, desc: "Checked in.", schema: "CheckIn"}}, errs: []int{400, 401, 403, 404, 409, 429}},

		{method: "POST", path: "/api/v1/door/offline-entries", id: "uploadOfflineEntries", tag: "ticketing-door", summary: "Record the entries a door let in while offline", auth: "roles", roles: door,
			desc: "Each entry is recorded once under (device, id): sent again after a lost answer it is answered as first recorded and changes nothing. The hub checks each again, except the token's expiry by its own clock: the token must verify (signature, a ticket token) and have been valid when the door read it (between its issue, 90 seconds before its expiry, and its expiry, two minutes either side), the ticket must be of this performance, at a venue of the caller's, and the entry's time inside the performance's door window (two minutes either side) and not after the hub's now plus two minutes. A valid ticket is checked in at the entry's time; of two doors sending one ticket at once exactly one checks it in. A ticket used or cancelled by then makes a double entry. 400 for an upload no device sends (reasons performance_missing, invalid_device, invalid_entry, entries_missing, too_many_entries: no performance_id, a malformed device or entry id, an entry without code or at, no entries or more than 100), with nothing recorded; 403 (not_your_performance) for a performance of another venue; 404 (performance_not_found) for an unknown performance.",
			body: "OfflineUpload", ok: []apiResponse{{status: 200, desc: "Each entry's outcome.", schema: "OfflineEntries"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/door/performances/{id}/double-entries", id: "listDoorDoubleEntries", tag: "ticketing-door", summary: "The double entries of a performance of the caller's venue", auth: "roles", roles: door,
			desc: "403 (reason not_your_performance) for a performance of another venue; 404 (performance_not_found) for an unknown performance.",
			ok:   []apiResponse{{status: 200, desc: "The double entries.", schema: "DoubleEntries"}}, errs: []int{401, 403, 404}},

		// Administrators.
		{method: "GET", path: "/api/v1/admin/venues", id: "adminListVenues", tag: "ticketing-admin", summary: "Venues", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "Every venue.", schema: listOf("venues", "Venue")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/venues", id: "adminCreateVenue", tag: "ticketing-admin", summary: "Create a venue", auth: "roles", roles: admin,
			desc: "400 invalid_name for a name that is not one line of 1 to 200 characters, invalid_address for an address that is not one line of 1 to 300.",
			body: "VenueRequest", ok: []apiResponse{{status: 201, desc: "The venue.", schema: "Venue", headers: []string{"Location"},
				location: "The URL of the new venue's seat map, /api/v1/admin/venues/{id}/seats (adminGetSeatMap; empty until set with adminSetSeatMap), where a venue is set up next. A venue has no URL of its own: adminListVenues lists them."}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/venues/{id}/seats", id: "adminGetSeatMap", tag: "ticketing-admin", summary: "A venue's seats", auth: "roles", roles: admin,
			desc: "404 (venue_not_found) for an unknown venue.",
			ok:   []apiResponse{{status: 200, desc: "Seats in section, row, number order.", schema: listOf("seats", "Seat")}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/venues/{id}/seats", id: "adminSetSeatMap", tag: "ticketing-admin", summary: "Replace a venue's seat map", auth: "roles", roles: admin,
			desc: "409 (seat_map_in_use) once the venue has performances; 404 (venue_not_found) for an unknown venue. 400 invalid_seat_map for no section or a section without rows, invalid_section, invalid_row, invalid_category for a name that is not 1 to 20 characters without spaces or slashes, invalid_seat_numbers for a row not numbered from 1 to 999 with from <= to, too_many_seats over the most a venue has, duplicate_seat for a seat twice.",
			body: "SeatMap", ok: []apiResponse{{status: 200, desc: "The new seats.", schema: listOf("seats", "Seat")}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/venues/{id}/categories", id: "adminGetVenueCategories", tag: "ticketing-admin", summary: "A venue's seat categories and the names buyers read", auth: "roles", roles: admin,
			desc: "Each category of the seat map, in its order, with the venue's own names (named: true) or the hub's words for its code. 403 (not_admin) for anyone but a city administrator; 404 (venue_not_found) for an unknown venue.",
			ok:   []apiResponse{{status: 200, desc: "The categories.", schema: listOf("categories", "SeatCategory")}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/venues/{id}/categories", id: "adminSetVenueCategories", tag: "ticketing-admin", summary: "Name a venue's seat categories", auth: "roles", roles: admin,
			desc: fmt.Sprintf("Replaces the names the venue gave its categories: a category left out, or given with both names empty, reads by the hub's words for its code again. Names may change whatever the venue has sold (seats and orders keep the code); the seat picker, the API's seat map (categories) and the administrator's pages read them at once. A seat map replaced later forgets the names of the codes it no longer has. 400, nothing changed: missing_field without categories (an explicit null too: an empty list is how every name is taken back), invalid_category for a code that is not 1 to 20 characters without spaces or slashes, unknown_category for a code the seat map does not have, duplicate_category for a code given twice, category_name_missing for a name in one language only, invalid_category_name_it or invalid_category_name_en for a name that is not one line of at most %d characters. 403 (not_admin) for anyone but a city administrator; 404 (venue_not_found) for an unknown venue.", ticketing.MaxCategoryName),
			body: "CategoryNames", ok: []apiResponse{{status: 200, desc: "Every category of the seat map with the names buyers now read.", schema: listOf("categories", "SeatCategory")}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/performances", id: "adminListPerformances", tag: "ticketing-admin", summary: "Every performance, past and cancelled ones too", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "Performances.", schema: listOf("performances", "Performance")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/performances", id: "adminCreatePerformance", tag: "ticketing-admin", summary: "Schedule a performance", auth: "roles", roles: admin,
			desc: performanceFields,
			body: "PerformanceRequest", ok: []apiResponse{{status: 201, desc: "The performance.", schema: "Performance", headers: []string{"Location"}}}, errs: []int{400, 401, 403}},
		{method: "PUT", path: "/api/v1/admin/performances/{id}", id: "adminUpdatePerformance", tag: "ticketing-admin", summary: "Change a performance", auth: "roles", roles: admin,
			desc: "Orders keep the prices they were held at. 409 (performance_cancelled) once cancelled; 404 (performance_not_found) for an unknown performance. " + performanceFields,
			body: "PerformanceRequest", ok: []apiResponse{{status: 200, desc: "The performance.", schema: "Performance"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "POST", path: "/api/v1/admin/performances/{id}/cancel", id: "adminCancelPerformance", tag: "ticketing-admin", summary: "Cancel a performance and refund its orders", auth: "roles", roles: admin,
			desc: "In one transaction: sales stop, every paid order is refunded (to the credit, or to Stripe clearing for card payments), with the note \"the performance was cancelled\", and every hold released. 404 (performance_not_found) for an unknown performance. An order whose card payment is disputed (open or lost) has its tickets cancelled and is not refunded: the dispute settles its money, and a dispute won later refunds the order to the card then. Cancelling again changes nothing.",
			ok:   []apiResponse{{status: 200, desc: "The performance.", schema: "Performance"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/performances/{id}/stats", id: "adminPerformanceStats", tag: "ticketing-admin", summary: "A performance's sales", auth: "roles", roles: admin,
			desc: "404 (performance_not_found) for an unknown performance.",
			ok:   []apiResponse{{status: 200, desc: "Seats, sales, holds, check-ins, refunds due.", schema: "SalesStats"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/performances/{id}/double-entries", id: "adminListDoubleEntries", tag: "ticketing-admin", summary: "A performance's double entries", auth: "roles", roles: admin,
			desc: "Entries doors let in offline whose ticket had been used already or cancelled when they reached the hub. 404 (performance_not_found) for an unknown performance.",
			ok:   []apiResponse{{status: 200, desc: "The double entries.", schema: "DoubleEntries"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/ticket-orders/{id}/refund", id: "adminRefundTicketOrder", tag: "ticketing-admin", summary: "Cancel an order and return its money", auth: "roles", roles: admin,
			desc: "A paid order's tickets are cancelled and one reversing ledger transaction returns the money (to the credit, or to Stripe clearing for a card refund), exactly once; repeating it answers the order unchanged. 409 with reason ticket_used once a ticket was checked in, or order_disputed while its card payment is disputed or after a dispute was lost (the money is held for the dispute, or the cardholder has it back); once a dispute is won, the order refunds as any other. 404 (order_not_found) for an unknown order.",
			ok:   []apiResponse{{status: 200, desc: "The order.", schema: "TicketOrder"}}, errs: []int{401, 403, 404, 409}},
	}
}
