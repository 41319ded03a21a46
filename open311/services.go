package open311

import (
	"encoding/xml"
	"net/http"

	"cityhub/apperr"
	"cityhub/participation"
)

// Service is one service of GET services, a category of reports.
type Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type xmlServices struct {
	XMLName  xml.Name  `xml:"services"`
	Services []Service `xml:"service"`
}

// ServiceDefinition is GET services/{code}: the hub asks no extra
// attributes, so the list is empty and every service says metadata false.
type ServiceDefinition struct {
	XMLName     xml.Name    `json:"-" xml:"service_definition"`
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

// Attribute is an extra question of a service (none today).
type Attribute struct {
	Variable    bool   `json:"variable" xml:"variable"`
	Code        string `json:"code" xml:"code"`
	Datatype    string `json:"datatype" xml:"datatype"`
	Required    bool   `json:"required" xml:"required"`
	Description string `json:"description" xml:"description"`
	Order       int    `json:"order" xml:"order"`
}

func (s *Server) service(k participation.Category, lang string) Service {
	office, _ := s.svc.Catalogue().Office(k.OfficeID)
	desc := office.NameIT
	if lang == "en" {
		desc = office.NameEN
	}
	return Service{ServiceCode: k.Code, ServiceName: k.Name(lang), Description: desc, Metadata: false,
		Type: "realtime", Keywords: k.Code, Group: k.Group}
}

// handleServices is GET services.{format}.
func (s *Server) handleServices(w http.ResponseWriter, r *http.Request, f, _ string) {
	if err := s.checkJurisdiction(r); err != nil {
		s.fail(w, f, err)
		return
	}
	out := []Service{}
	for _, k := range s.svc.Catalogue().Categories {
		out = append(out, s.service(k, lang(r)))
	}
	if f == "xml" {
		s.write(w, f, http.StatusOK, xmlServices{Services: out})
		return
	}
	s.write(w, f, http.StatusOK, out)
}

// handleService is GET services/{service_code}.{format}.
func (s *Server) handleService(w http.ResponseWriter, r *http.Request, f, code string) {
	if err := s.checkJurisdiction(r); err != nil {
		s.fail(w, f, err)
		return
	}
	if _, ok := s.svc.Catalogue().Category(code); !ok {
		s.fail(w, f, unknownService(apperr.NotFound, code, f))
		return
	}
	s.write(w, f, http.StatusOK, ServiceDefinition{ServiceCode: code, Attributes: []Attribute{}})
}
