package api

import (
	"fmt"

	"cityhub/identity"
	"cityhub/participation"
)

// Participation's part of web/api/openapi.json: citizens' reports, the
// offices' triage, proposals, their open data (openAPIOperations appends
// participationOps).

var officeStaff = []identity.Role{identity.RoleCityStaff, identity.RoleAdmin}

func init() {
	openAPIComponents = append(openAPIComponents,
		component{name: "NewReport", typ: typeOf[participation.NewReport](), request: true, required: []string{"category", "description"},
			desc: "A report: a category, the place (lat and lon, or an address), a description, and whether the reporter's name is shown publicly. lat and lon say the report is located: located may be left out, true is taken too, and false beside a lat or lon other than 0 is 400 located_false_with_point. As multipart/form-data the same fields, from the body only (a query parameter is no field) and each at most once (400 duplicate_field), with located and public_name exactly \"true\" or \"false\" (public_name false when absent, anything else 400 wrong_type), and up to three files \"photo\"; name and email are not form fields (400 unknown_field)."},
		component{name: "Report", typ: typeOf[participation.Report](), desc: "A report as its reporter and the office's staff see it."},
		component{name: "ReportChange", typ: typeOf[participation.Change](), desc: "One recorded change; actor_id is shown to the office's staff only."},
		component{name: "ReportPhoto", typ: typeOf[participation.Photo](), desc: "A photo's record; the image is at /api/v1/photos/{id} (and, once approved, /api/v1/open/photos/{id})."},
		component{name: "ReportTiming", typ: typeOf[participation.Timing]()},
		component{name: "ReportView", typ: typeOf[participation.ReportView](), desc: "A report with its history, photos and timing (time to acknowledge, to fix)."},
		component{name: "PublicReport", typ: typeOf[participation.PublicReport](), desc: "A report as anyone sees it: no account or e-mail, a name only when the reporter chose it, nothing staff redacted, approved photos only."},
		component{name: "NearbyReport", typ: typeOf[participation.Nearby]()},
		component{name: "ReasonRequest", typ: typeOf[reasonRequest](), request: true, required: []string{"reason"}},
		component{name: "StatusRequest", typ: typeOf[statusRequest](), request: true, required: []string{"status"}},
		component{name: "MergeRequest", typ: typeOf[mergeRequest](), request: true, required: []string{"into"}},
		component{name: "RedactRequest", typ: typeOf[redactRequest](), request: true, required: []string{"redacted"}},
		component{name: "StateRequest", typ: typeOf[stateRequest](), request: true, required: []string{"state"}},
		component{name: "NewProposal", typ: typeOf[participation.NewProposal](), request: true, required: []string{"title", "body"}},
		component{name: "PublicProposal", typ: typeOf[participation.PublicProposal](), desc: "A proposal as anyone sees it; its author's name only when they chose it."},
		component{name: "SupportResult", typ: typeOf[SupportResult]()},
		component{name: "FollowRequest", typ: typeOf[followRequest](), request: true, required: []string{"follow"}},
		component{name: "CommentRequest", typ: typeOf[commentRequest](), request: true, required: []string{"body"}},
		component{name: "PublicComment", typ: typeOf[participation.PublicComment]()},
		component{name: "Comment", typ: typeOf[participation.Comment](), desc: "A comment with its moderation state, for administrators."},
		component{name: "OwnComment", typ: typeOf[participation.OwnComment](), desc: "A person's own comment as their data download gives it: whether everyone can read it, without its flags (how many flagged it and why are the flaggers' data)."},
		component{name: "AnswerRequest", typ: typeOf[answerRequest](), request: true, required: []string{"answer"}},
		component{name: "APIKeyRequest", typ: typeOf[apiKeyRequest](), request: true, required: []string{"name"}},
		component{name: "Open311APIKey", typ: typeOf[participation.APIKey](), desc: "An Open311 client's key, without its secret."},
		component{name: "IssuedOpen311APIKey", typ: typeOf[participation.IssuedAPIKey](), desc: "A new key; key (id.secret) is shown in this answer only."},
		component{name: "ReportCount", typ: typeOf[participation.ReportCount]()},
		component{name: "OpenParticipation", typ: typeOf[participation.OpenData](), desc: "The newest 1000 reports and proposals as the public sees them and the counts of every report by contrada, category and status (CC-BY-4.0)."},
	)
	for k, v := range map[string]*obj{
		"Report.status":            newObj("enum", participation.Statuses),
		"PublicReport.status":      newObj("enum", participation.Statuses),
		"PublicReport.description": newObj("description", "What the reporter wrote; once staff redacted the report, the fixed text \""+participation.RedactedText+"\" in every language (the hub's pages show it in theirs)."),
		"PublicReport.status_note": newObj("description", "The office's public note; once the reporter reopened the report, the fixed text \""+participation.ReopenedNote+"\" (the hub's pages and Open311 in English show \""+participation.ReopenedNoteEN+"\")."),
		"StatusRequest.status":     newObj("enum", []string{participation.StatusAcknowledged, participation.StatusInProgress, participation.StatusFixed, participation.StatusRejected}, "description", "A duplicate is made by merging it (mergeReport)."),
		"ReportPhoto.state":        newObj("enum", []string{participation.PhotoPending, participation.PhotoApproved, participation.PhotoHidden}),
		"ReportChange.kind": newObj("enum", []string{participation.ChangeCreated, participation.ChangeStatus, participation.ChangeReopened,
			participation.ChangeMerged, participation.ChangeRedacted, participation.ChangePhoto}),
		"ReportChange.from":     newObj("description", "What the change moved from: a status (created, status, reopened, merged); for redacted, \""+participation.RedactionShown+"\" or \""+participation.RedactionHidden+"\" (the personal data shown to or hidden from the public); for photo, the photo's state (pending, approved, hidden). Absent for the created change, and for a redacted or photo change recorded before changes said what they did."),
		"ReportChange.to":       newObj("description", "What the change moved to, as from: the status taken, \""+participation.RedactionHidden+"\" or \""+participation.RedactionShown+"\" for redacted, approved or hidden for photo. Absent for a redacted or photo change recorded before changes said what they did."),
		"ReportChange.photo_id": newObj("description", "For photo: the photo approved or hidden."),
		"StateRequest.state":    newObj("description", "A photo: approved or hidden. A comment: hidden or visible (its flags cleared)."),
		"PublicProposal.state":  newObj("enum", []string{participation.ProposalCollecting, participation.ProposalAwaitingAnswer, participation.ProposalAnswered}),
		"Comment.state":         newObj("enum", []string{participation.CommentVisible, participation.CommentFlagged, participation.CommentHidden}),
		"OwnComment.state":      newObj("enum", []string{participation.CommentVisible, participation.CommentHidden}, "description", "visible while everyone can read it, one other people flagged too (it stays visible until an administrator decides); hidden once an administrator hid it."),
		"NewProposal.threshold": newObj("description", "This proposal's own threshold of supports, 1 to 1000000 (400 bad_threshold otherwise), set only when proposing and only by a caller who is both a citizen and a city administrator: anyone else sending it, whatever its value (0 included), is refused (403 not_admin) and nothing is made. It cannot be changed later. Absent: the city's (CITYHUB_PROPOSAL_SUPPORT_THRESHOLD)."),
		"NewReport.name":        newObj("description", "Ignored: a report made through this API carries the caller's account name (shown only with public_name true) and never an e-mail address. Only Open311 clients send a reporter's name and e-mail, as first_name, last_name and email."),
		"NewReport.email":       newObj("description", "Ignored, as name is: the account holds the citizen's address."),
		"NewReport.located":     newObj("description", "Whether the report has a point (lat and lon). Optional: lat or lon given says it is; false beside either, unless both are 0 (a point left out, as a client writing every field sends it), is 400 located_false_with_point; true without both is 400 bad_location."),
	} {
		openAPIFieldNotes[k] = v
	}
}

var (
	officeQuery   = onceQuery("office", "The office whose queue to list; staff of one office may leave it out.", str())
	categoryQuery = query("category", "Only this category (repeatable; 400 unknown_category for one the catalogue lacks).", str())
	statusQuery   = query("status", "Only this status (repeatable; 400 bad_status for another).", newObj("type", "string", "enum", participation.Statuses))
	contradaQuery = onceQuery("contrada", "Only this contrada (400 unknown_contrada for one the catalogue lacks).", str())
	partLimit     = limitOf(50, participation.MaxListLimit, "")
	commentLimit  = limitOf(participation.DefaultCommentPage, participation.MaxCommentPage, "")
	jpeg          = apiResponse{status: 200, desc: "The JPEG (re-encoded, without metadata).", media: "image/jpeg"}
)

// badCursor begins what is said of every list paged by an item's id: a
// cursor naming no such item is refused, not answered with an empty page.
const badCursor = "400 (bad_cursor) for a cursor that is no "

func pageOf(member, item string) *obj {
	return newObj("type", "object", "properties", newObj(member, newObj("type", "array", "items", ref(item)), "next_cursor",
		newObj("type", "string", "description", "The cursor of the next page; empty on the last.")),
		"required", []string{member, "next_cursor"}, "additionalProperties", false)
}

func participationOps() []apiOperation {
	citizenOnly := []identity.Role{identity.RoleCitizen}
	return []apiOperation{
		// Reports: citizens and the public.
		{method: "POST", path: "/api/v1/reports", id: "createReport", tag: "reports", summary: "Report a problem in the city", auth: "roles", roles: citizenOnly,
			desc: "JSON without photos, or multipart/form-data with up to three files \"photo\" (JPEG, PNG or WebP, at most CITYHUB_PHOTO_MAX_BYTES each), re-encoded without metadata (EXIF and its GPS position are dropped) and public only once staff approve them. 400 for a report without category or description (missing_field, naming it), a category that does not exist (unknown_category; an empty one too), a located report without both lat and lon as decimal degrees (one left out, not a number, beyond ±90 or ±180, too large for a number such as 1e400, or 0 where the city is not: bad_location), located false beside a lat or lon other than 0 (located_false_with_point: leave located out, lat and lon say the report is located), a place outside the city (outside_city), no place (no_location), a description that is not 5 to 4000 characters (bad_description), a form boolean other than true or false (wrong_type), more than three photos (too_many_photos), an empty photo (bad_photo, photo_empty), one over CITYHUB_PHOTO_MAX_BYTES (photo_too_large), an image that is not JPEG, PNG or WebP (photo_format), is damaged (photo_corrupt) or has too many pixels (photo_too_many_pixels, photo_too_big_to_decode); 403 (not_citizen) for anyone but a citizen, before any photo is decoded (without an Idempotency-Key, before the body is read); 413 for a body over the limit; 503 (photo_busy, with Retry-After) when the hub is decoding as many photos as it may and as many wait: send it again. A form field sent twice is 400 (duplicate_field), an unknown one 400 (unknown_field). An Idempotency-Key is honoured for every report, JSON or multipart with photos of any size: the key is recorded with the report itself, so a retry with the same key answers the first report (201, Idempotent-Replayed: true) and makes nothing new, and the same key with other fields or other photos is 409 (idempotency_key_reused).",
			body: "NewReport", form: true,
			ok: []apiResponse{{status: 201, desc: "The report, open (or, replayed, the first one made with this Idempotency-Key).", schema: "Report", headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409, 413, 503}},
		{method: "GET", path: "/api/v1/reports", id: "listReports", tag: "reports", summary: "Reports as the public sees them, newest first", auth: "public",
			desc:  "400 for a category (unknown_category), status (bad_status) or contrada (unknown_contrada) that does not exist; " + badCursor + "report, or one the filters never listed (of another category or contrada, or that never had a status asked for).",
			query: []apiParam{categoryQuery, statusQuery, contradaQuery, cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of reports.", schema: pageOf("reports", "PublicReport")}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/reports/{id}", id: "getReport", tag: "reports", summary: "One report as the public sees it", auth: "public",
			desc: "404 (report_not_found) for an unknown report.",
			ok:   []apiResponse{{status: 200, desc: "The report.", schema: "PublicReport"}}, errs: []int{404}},
		{method: "GET", path: "/api/v1/reports/{id}/details", id: "getReportDetails", tag: "reports", summary: "A report whole, with its history (its reporter and the office's staff)", auth: "bearer",
			desc: "Whole: the reporter's name and e-mail, what staff hid from the public, every recorded change, photos pending or hidden; an administrator reads every office's. 403 (not_your_office) for staff of another office, as when they act on it (anyone reads the report as the public does with getReport); 404 (report_not_found) for anyone else, as for an unknown report. The reporter does not see which staff account made a change.",
			ok:   []apiResponse{{status: 200, desc: "The report.", schema: "ReportView"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/reports/{id}/reopen", id: "reopenReport", tag: "reports", summary: "Reopen a fixed report, saying why (its reporter)", auth: "bearer",
			desc: fmt.Sprintf("Within CITYHUB_REPORT_REOPEN_PERIOD of it being fixed. 404 (report_not_found) for a report that is not the caller's, as if it did not exist; 409 when it is not fixed (not_fixed) or the period has passed (reopen_too_late); 400 without a reason (missing_field, or reason_required when blank), for one over %d characters (reason_too_long) or one holding invisible or control characters, such as a text direction override (reason_invisible_characters).", participation.MaxNoteLen),
			body: "ReasonRequest", ok: []apiResponse{{status: 200, desc: "The report, open again.", schema: "Report"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/me/reports", id: "listMyReports", tag: "reports", summary: "The caller's reports, newest first", auth: "bearer",
			desc:  badCursor + "report.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of reports.", schema: pageOf("reports", "Report")}}, errs: []int{400, 401}},
		{method: "GET", path: "/api/v1/photos/{id}", id: "getReportPhoto", tag: "reports", summary: "A report's photo, with the caller's rights", auth: "bearer",
			desc: "Approved photos to anyone signed in; pending or hidden ones to the reporter and the office's staff only (404 photo_not_found otherwise, as for an unknown photo). Not cached; the public copy of approved photos is /api/v1/open/photos/{id}.",
			ok:   []apiResponse{jpeg}, errs: []int{401, 404}},
		{method: "GET", path: "/api/v1/photos/{id}/thumbnail", id: "getReportPhotoThumbnail", tag: "reports", summary: "A report photo's thumbnail (320 px), with the caller's rights", auth: "bearer",
			desc: "As the photo: 404 (photo_not_found) for a photo the caller may not see, as for an unknown one.",
			ok:   []apiResponse{jpeg}, errs: []int{401, 404}},

		// The offices' triage.
		{method: "GET", path: "/api/v1/staff/queue", id: "staffQueue", tag: "reports-staff", summary: "An office's reports still being worked, oldest first", auth: "roles", roles: officeStaff,
			desc:  "A page at a time: pass next_cursor as cursor for the next. 403 for an office the caller does not work (not_your_office; not_office_staff for whoever works no office); 404 (office_not_found) for an unknown office; 400 (office_required) when office is needed (administrators, staff of several offices). " + badCursor + "report.",
			query: []apiParam{officeQuery, cursorQuery, partLimit},
			ok: []apiResponse{{status: 200, desc: "A page of the queue.", schema: newObj("type", "object", "properties", newObj("office", str(), "reports", newObj("type", "array", "items", ref("Report")),
				"next_cursor", newObj("type", "string", "description", "The cursor of the next page; empty on the last.")),
				"required", []string{"office", "reports", "next_cursor"}, "additionalProperties", false)}}, errs: []int{400, 401, 403, 404}},
		{method: "PUT", path: "/api/v1/staff/reports/{id}/status", id: "changeReportStatus", tag: "reports-staff", summary: "Move a report on, with a public note", auth: "roles", roles: officeStaff,
			desc: "The reporter is e-mailed in the same transaction. 409 (bad_transition) for a move the report's status does not allow (see docs/participation.md); 400 for another status (bad_status: a duplicate is merged), rejected without a note (reason_required) or a note over 1000 characters (bad_note); 403 for a report of another office; 404 (report_not_found) for an unknown report.",
			body: "StatusRequest", ok: []apiResponse{{status: 200, desc: "The report.", schema: "Report"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "POST", path: "/api/v1/staff/reports/{id}/merge", id: "mergeReport", tag: "reports-staff", summary: "Merge a duplicate into an active report of the same category", auth: "roles", roles: officeStaff,
			desc: "400 without into (missing_field), into the report itself (same_report) or a note over 1000 characters (bad_note); 409 for a move the report's status does not allow (bad_transition), a target no longer worked (merge_target_closed) or of another category (merge_other_category); 403 for a target of another office (merge_other_office); 404 (report_not_found) for an unknown report.",
			body: "MergeRequest", ok: []apiResponse{{status: 200, desc: "The merged report (duplicate).", schema: "Report"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/staff/reports/{id}/nearby", id: "nearbyReports", tag: "reports-staff", summary: "Active reports of the same category nearby (merge candidates)", auth: "roles", roles: officeStaff,
			desc: "404 (report_not_found) for an unknown report.",
			ok:   []apiResponse{{status: 200, desc: "Nearest first.", schema: listOf("nearby", "NearbyReport")}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/staff/reports/{id}/redacted", id: "redactReport", tag: "reports-staff", summary: "Hide (or show again) a report's personal data from the public", auth: "roles", roles: officeStaff,
			desc: "Moves the report's updated_at (Open311's updated_datetime) and records the change in its history. A redaction that changes nothing (hiding a hidden report, showing one never hidden) records and moves nothing and is answered as the first was, with the report as it stands. 400 (missing_field) without redacted; 403 for a report of another office (not_your_office); 404 (report_not_found) for an unknown report.",
			body: "RedactRequest", ok: []apiResponse{{status: 200, desc: "The report.", schema: "Report"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/staff/photos", id: "pendingPhotos", tag: "reports-staff", summary: "Photos awaiting moderation in the caller's offices, oldest first", auth: "roles", roles: officeStaff,
			desc:  "Every office's for an administrator. A page at a time: pass next_cursor as cursor for the next (a photo approved or hidden since keeps its place). " + badCursor + "photo.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of photos (records; images at /api/v1/photos/{id}).", schema: pageOf("photos", "ReportPhoto")}}, errs: []int{400, 401, 403}},
		{method: "PUT", path: "/api/v1/staff/photos/{id}/state", id: "moderatePhoto", tag: "reports-staff", summary: "Approve or hide a photo", auth: "roles", roles: officeStaff,
			desc: "Records the moderation in the report's history. A moderation into the state the photo has (approving an approved photo, hiding a hidden one) changes and records nothing and is answered as the first was. 400 (bad_state) for a state other than approved or hidden; 403 for a photo of another office's report (not_your_office); 404 (photo_not_found) for an unknown photo.",
			body: "StateRequest", ok: []apiResponse{{status: 200, desc: "The photo's new state.", schema: newObj("type", "object", "properties", newObj("id", str(), "state", str()),
				"required", []string{"id", "state"}, "additionalProperties", false)}}, errs: []int{400, 401, 403, 404}},

		// Proposals.
		{method: "POST", path: "/api/v1/proposals", id: "createProposal", tag: "proposals", summary: "Make a proposal for the city (its author follows it)", auth: "roles", roles: citizenOnly,
			desc: fmt.Sprintf("400 bad_title for a title that is not one line of %d to %d characters, bad_body for a text that is not %d to %d, bad_threshold for a threshold out of bounds (403 not_admin for a threshold from anyone but a citizen who is a city administrator).",
				participation.MinTitleLen, participation.MaxTitleLen, participation.MinBodyLen, participation.MaxBodyLen),
			body: "NewProposal", ok: []apiResponse{{status: 201, desc: "The proposal.", schema: "PublicProposal", headers: []string{"Location"}}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/proposals", id: "listProposals", tag: "proposals", summary: "Proposals, newest first", auth: "public",
			desc:  badCursor + "proposal.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of proposals.", schema: pageOf("proposals", "PublicProposal")}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/proposals/{id}", id: "getProposal", tag: "proposals", summary: "One proposal", auth: "public",
			desc: "404 (proposal_not_found) for an unknown proposal.",
			ok:   []apiResponse{{status: 200, desc: "The proposal.", schema: "PublicProposal"}}, errs: []int{404}},
		{method: "POST", path: "/api/v1/proposals/{id}/support", id: "supportProposal", tag: "proposals", summary: "Support a proposal, once", auth: "roles", roles: citizenOnly,
			desc: "However many supports by one citizen race, one counts; again answers added=false. 403 (own_proposal) for the proposal's author: supports are other citizens'. 409 (proposal_answered) once the city answered; 404 (proposal_not_found) for an unknown proposal.",
			ok:   []apiResponse{{status: 200, desc: "The proposal and whether this call added the support.", schema: "SupportResult"}}, errs: []int{401, 403, 404, 409}},
		{method: "PUT", path: "/api/v1/proposals/{id}/follow", id: "followProposal", tag: "proposals", summary: "Follow a proposal (e-mailed when answered), or stop", auth: "bearer",
			desc: "400 (missing_field) without follow; 404 (proposal_not_found) for an unknown proposal.",
			body: "FollowRequest", ok: []apiResponse{{status: 200, desc: "Whether the caller now follows it.", schema: "FollowRequest"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/proposals/{id}/comments", id: "listProposalComments", tag: "proposals", summary: "A proposal's comments, oldest first", auth: "public",
			desc:  badCursor + "comment of this proposal. 404 (proposal_not_found) for an unknown proposal.",
			query: []apiParam{cursorQuery, commentLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of visible comments.", schema: pageOf("comments", "PublicComment")}}, errs: []int{400, 404}},
		{method: "POST", path: "/api/v1/proposals/{id}/comments", id: "commentProposal", tag: "proposals", summary: "Comment on a proposal, signed with the caller's name", auth: "roles", roles: citizenOnly,
			desc: fmt.Sprintf("400 (bad_comment) for a comment that is not 1 to %d characters; 404 (proposal_not_found) for an unknown proposal.", participation.MaxCommentLen),
			body: "CommentRequest", ok: []apiResponse{{status: 201, desc: "The comment.", schema: "PublicComment"}}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/comments/{id}/flag", id: "flagComment", tag: "proposals", summary: "Report an abusive comment", auth: "roles", roles: citizenOnly,
			desc: fmt.Sprintf("The comment stays visible until an administrator hides it. Flagging again changes nothing. The comment's author may not flag it (403 own_comment). A hidden comment is 404 (comment_not_found), as one that does not exist, and is left as it was. reason is required, though it may be empty: 400 (missing_field) without it, (bad_reason) over %d characters or with control characters.", participation.MaxNoteLen),
			body: "ReasonRequest", ok: []apiResponse{{status: 204, desc: "Flagged."}}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/proposals/{id}/answer", id: "answerProposal", tag: "proposals-admin", summary: "Answer a proposal publicly", auth: "roles", roles: admin,
			desc: fmt.Sprintf("Supports end; every follower is e-mailed in the same transaction. 400 (bad_answer) for an answer that is not 1 to %d characters; 404 (proposal_not_found) for an unknown proposal; 409 (already_answered).", participation.MaxAnswerLen),
			body: "AnswerRequest", ok: []apiResponse{{status: 200, desc: "The proposal.", schema: "PublicProposal"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/proposals/awaiting", id: "awaitingProposals", tag: "proposals-admin", summary: "Proposals past their threshold awaiting an answer, longest waiting first", auth: "roles", roles: admin,
			desc:  "A page at a time: pass next_cursor as cursor for the next (a proposal answered since keeps its place). " + badCursor + "proposal, or one that never reached its threshold.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of proposals.", schema: pageOf("proposals", "PublicProposal")}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/comments/flagged", id: "flaggedComments", tag: "proposals-admin", summary: "Flagged comments, oldest first", auth: "roles", roles: admin,
			desc:  "Each comment with its flags (flags: the reasons its flaggers gave and when), for the moderator to decide on; keeping a comment visible dismisses them. A page at a time: pass next_cursor as cursor for the next (a comment moderated since keeps its place). " + badCursor + "comment, or one never flagged.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of flagged comments.", schema: pageOf("comments", "Comment")}}, errs: []int{400, 401, 403}},
		{method: "PUT", path: "/api/v1/admin/comments/{id}/state", id: "moderateComment", tag: "proposals-admin", summary: "Hide a comment, or keep it visible", auth: "roles", roles: admin,
			desc: "hidden hides a comment (its flags kept); hiding a hidden one changes nothing and records nothing, answered as the first hiding was. visible keeps a flagged one, dismissing its flags; keeping a visible one (kept already, or never flagged) changes nothing and records nothing, answered as the first keep was. A hidden comment is not kept: 409 (comment_hidden), nothing changed; showComment shows it again, audited as a showing. 400 (bad_state) for a state other than hidden or visible; 404 (comment_not_found) for an unknown comment.",
			body: "StateRequest", ok: []apiResponse{{status: 200, desc: "The comment's new state.", schema: newObj("type", "object", "properties", newObj("id", str(), "state", str()),
				"required", []string{"id", "state"}, "additionalProperties", false)}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/comments/hidden", id: "hiddenComments", tag: "proposals-admin", summary: "Hidden comments, oldest first", auth: "roles", roles: admin,
			desc:  "Each comment moderators hid, with the flags it was hidden with; showComment shows one again. A page at a time: pass next_cursor as cursor for the next (a comment shown again since keeps its place). " + badCursor + "comment, or one never hidden.",
			query: []apiParam{cursorQuery, partLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of hidden comments.", schema: pageOf("comments", "Comment")}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/admin/comments/{id}/show", id: "showComment", tag: "proposals-admin", summary: "Show a hidden comment again", auth: "roles", roles: admin,
			desc: "The comment is visible to everyone again and its flags are dismissed, as when a flagged comment is kept. A comment that is not hidden is left as it is, its state answered (hiding a hidden comment changes nothing either). 404 (comment_not_found) for an unknown comment.",
			ok: []apiResponse{{status: 200, desc: "The comment's state now.", schema: newObj("type", "object", "properties", newObj("id", str(), "state", newObj("type", "string", "enum", []string{participation.CommentVisible, participation.CommentFlagged})),
				"required", []string{"id", "state"}, "additionalProperties", false)}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/open311/keys", id: "listOpen311Keys", tag: "proposals-admin", summary: "Open311 clients' API keys (no secrets)", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "Keys.", schema: listOf("keys", "Open311APIKey")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/open311/keys", id: "issueOpen311Key", tag: "proposals-admin", summary: "Issue an Open311 client an API key", auth: "roles", roles: admin,
			desc: "The key is in this answer only; an Idempotency-Key is not honoured (the hub would have to keep the secret): a client that lost the answer issues another and revokes the first. 400 (bad_name) for a name that is not one line of 1 to 100 characters.",
			body: "APIKeyRequest", ok: []apiResponse{{status: 201, desc: "The key, shown once.", schema: "IssuedOpen311APIKey"}}, errs: []int{400, 401, 403}},
		{method: "DELETE", path: "/api/v1/admin/open311/keys/{id}", id: "revokeOpen311Key", tag: "proposals-admin", summary: "Revoke an Open311 API key", auth: "roles", roles: admin,
			desc: "404 (api_key_not_found) for an unknown key; 409 (already_revoked) for one revoked already.",
			ok:   []apiResponse{{status: 204, desc: "Revoked."}}, errs: []int{401, 403, 404, 409}},

		// Open data.
		{method: "GET", path: "/api/v1/open/participation", id: "openParticipation", tag: "open-data", summary: "Anonymous reports, proposals and counts (CC-BY-4.0)", auth: "public", desc: openDataKept,
			ok: []apiResponse{{status: 200, desc: "The open data; a Link header names the licence.", schema: "OpenParticipation", headers: []string{"Link"}}, openDataNotModified}},
		{method: "GET", path: "/api/v1/open/reports.csv", id: "openReportsCSV", tag: "open-data", summary: "The reports as CSV", auth: "public", desc: openDataKept,
			ok: []apiResponse{{status: 200, desc: "CSV, the licence in a column of every row.", media: "text/csv", headers: []string{"Link"}}, openDataNotModified}},
		{method: "GET", path: "/api/v1/open/proposals.csv", id: "openProposalsCSV", tag: "open-data", summary: "The proposals as CSV", auth: "public", desc: openDataKept,
			ok: []apiResponse{{status: 200, desc: "CSV, the licence in a column of every row.", media: "text/csv", headers: []string{"Link"}}, openDataNotModified}},
		{method: "GET", path: "/api/v1/open/report-counts.csv", id: "openReportCountsCSV", tag: "open-data", summary: "Report counts by contrada, category and status as CSV", auth: "public", desc: openDataKept,
			ok: []apiResponse{{status: 200, desc: "CSV, the licence in a column of every row.", media: "text/csv", headers: []string{"Link"}}, openDataNotModified}},
		{method: "GET", path: "/api/v1/open/photos/{id}", id: "openReportPhoto", tag: "open-data", summary: "An approved report photo", auth: "public",
			desc: "Approved photos only (404 photo_not_found otherwise, whoever asks). Cache-Control: public, max-age=300; the ETag is the photo's id (304 on If-None-Match).",
			ok:   []apiResponse{jpeg, {status: 304, desc: "Not modified."}}, errs: []int{404}},
		{method: "GET", path: "/api/v1/open/photos/{id}/thumbnail", id: "openReportPhotoThumbnail", tag: "open-data", summary: "An approved report photo's thumbnail (320 px)", auth: "public",
			desc: "Approved photos only (404 photo_not_found otherwise).",
			ok:   []apiResponse{jpeg, {status: 304, desc: "Not modified."}}, errs: []int{404}},
	}
}
