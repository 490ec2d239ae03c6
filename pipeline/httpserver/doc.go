// Package httpserver builds the http.Server of every ordertrack listener
// (the monitor's, and the ingest listener's) with the same bounds: header,
// read, write and idle timeouts and a header size limit.
//
// A server-wide WriteTimeout would end a long response (an event stream)
// after that time, so New leaves http.Server.WriteTimeout unset and sets a
// write deadline per request instead; a streaming handler moves it before
// each write with Stream.
package httpserver
