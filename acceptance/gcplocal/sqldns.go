package gcplocal

func (s *Server) sql(q *request) (map[string]any, int, *apiError) {
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) dns(q *request) (map[string]any, int, *apiError) {
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}
