// Package httpx holds what every HTTP surface of the hub shares: problem+json
// errors and the one mapping of apperr codes to statuses, JSON and CSV
// answers, request decoding with the text checks, the paging query of lists
// and the administrators' account search, the security headers of pages,
// authentication (the caller in the request's context), the client's
// address behind trusted proxies, and the replay of keyed API answers. It
// holds no routes and no business rules.
package httpx
