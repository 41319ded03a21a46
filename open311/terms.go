package open311

import (
	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
)

// inOpenTerms is a refusal of the participation domain as a GeoReport
// client reads it: the domain names the fields as the hub's API does
// (category, lat and lon, address, name), a client sent service_code, lat
// and long, address_string, first_name and last_name. The reason and code
// stay; any other error is err.
func inOpenTerms(err error) error {
	switch apperr.ReasonOf(err) {
	case "bad_location":
		return badLocation()
	case "no_location":
		return apperr.R(apperr.Invalid, "no_location", "Say where: lat and long, or address_string.")
	case "bad_address":
		return apperr.R(apperr.Invalid, "bad_address", "address_string must be one line of at most %d characters, without control characters.", participation.MaxAddressLen)
	case "bad_name":
		return apperr.R(apperr.Invalid, "bad_name", "first_name and last_name must make one line of at most %d characters, without control characters.", identity.MaxNameLen)
	}
	return err
}

// unknownService refuses a service_code the catalogue lacks, with code
// (NotFound where GeoReport v2 lists 404 for it, Invalid for a filter) and
// naming where the codes are, services in format f.
func unknownService(code apperr.Code, serviceCode, f string) error {
	return apperr.R(code, "unknown_category", "service_code %q was not found: services.%s lists the services.", serviceCode, f)
}
