package picture

import (
	"fmt"
	"html"
	"strings"
)

// Point is one request on a latency chart: when it was sent (seconds since
// the start), its latency, and whether it failed.
type Point struct {
	Seconds, LatencyMs float64
	Failed             bool
}

// Mark is a labelled moment on a chart or timeline (a rate step, the fail
// command, the DNS switch).
type Mark struct {
	ID      string // element id: letters, digits, _ and -
	Seconds float64
	Label   string
}

const (
	chartW, chartH = 800.0, 300.0
	padL, padB     = 60.0, 40.0
	padT, padR     = 30.0, 20.0
)

// LatencyChart draws latency over time: one dot per successful request
// (group id "latency"), failed ones as red marks on the baseline (group
// "errors"), marks as labelled vertical lines (id "mark_ID"), axes (ids
// "axis_x", "axis_y").
func LatencyChart(title string, pts []Point, marks []Mark) []byte {
	maxT, maxL := 1.0, 1.0
	for _, p := range pts {
		maxT = max(maxT, p.Seconds)
		maxL = max(maxL, p.LatencyMs)
	}
	for _, m := range marks {
		maxT = max(maxT, m.Seconds)
	}
	x := func(s float64) float64 { return padL + (chartW-padL-padR)*s/maxT }
	y := func(ms float64) float64 { return chartH - padB - (chartH-padB-padT)*ms/maxL }
	var b strings.Builder
	header(&b, "latency_chart", title)
	axes(&b, maxT, fmt.Sprintf("latency, ms (max %.1f)", maxL))
	b.WriteString(`<g id="latency" class="series" fill="#1f77b4">` + "\n")
	for _, p := range pts {
		if !p.Failed {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="1.5"/>`+"\n", x(p.Seconds), y(p.LatencyMs))
		}
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g id="errors" class="series" stroke="#d62728">` + "\n")
	for _, p := range pts {
		if p.Failed {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x(p.Seconds), chartH-padB, x(p.Seconds), chartH-padB-8)
		}
	}
	b.WriteString("</g>\n")
	drawMarks(&b, marks, x)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// Timeline draws a drill: marks (the fail command, the switch, the
// restore, the failback) on a time axis, and, when given, the requests
// users made meanwhile with failures in red (groups "requests", "errors").
func Timeline(title string, marks []Mark, pts []Point) []byte {
	maxT := 1.0
	for _, m := range marks {
		maxT = max(maxT, m.Seconds)
	}
	for _, p := range pts {
		maxT = max(maxT, p.Seconds)
	}
	x := func(s float64) float64 { return padL + (chartW-padL-padR)*s/maxT }
	var b strings.Builder
	header(&b, "drill_timeline", title)
	axes(&b, maxT, "requests")
	b.WriteString(`<g id="requests" class="series" stroke="#2ca02c">` + "\n")
	for _, p := range pts {
		if !p.Failed {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x(p.Seconds), chartH-padB-40, x(p.Seconds), chartH-padB-20)
		}
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g id="errors" class="series" stroke="#d62728">` + "\n")
	for _, p := range pts {
		if p.Failed {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x(p.Seconds), chartH-padB-70, x(p.Seconds), chartH-padB-50)
		}
	}
	b.WriteString("</g>\n")
	drawMarks(&b, marks, x)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func header(b *strings.Builder, id, title string) {
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica,sans-serif" font-size="11">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(b, `<g id="%s" class="graph"><title>%s</title><rect width="100%%" height="100%%" fill="white"/>`+"\n", id, html.EscapeString(title))
	fmt.Fprintf(b, `<text x="%.0f" y="18" font-size="13">%s</text></g>`+"\n", padL, html.EscapeString(title))
}

func axes(b *strings.Builder, maxT float64, yLabel string) {
	fmt.Fprintf(b, `<g id="axis_x" class="axis" stroke="black"><title>seconds</title><line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" stroke="none">0</text><text x="%.0f" y="%.0f" stroke="none" text-anchor="end">%.1f s</text></g>`+"\n", padL, chartH-padB+15, chartW-padR, chartH-padB+15, maxT)
	fmt.Fprintf(b, `<g id="axis_y" class="axis" stroke="black"><title>%s</title><line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`, html.EscapeString(yLabel), padL, padT, padL, chartH-padB)
	fmt.Fprintf(b, `<text x="4" y="%.0f" stroke="none">%s</text></g>`+"\n", padT-8, html.EscapeString(yLabel))
}

func drawMarks(b *strings.Builder, marks []Mark, x func(float64) float64) {
	for _, m := range marks {
		fmt.Fprintf(b, `<g id="mark_%s" class="mark" stroke="#7f7f7f" stroke-dasharray="4 3"><title>%s</title><line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f"/>`, m.ID, html.EscapeString(m.Label), x(m.Seconds), padT, x(m.Seconds), chartH-padB)
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" stroke="none">%s</text></g>`+"\n", x(m.Seconds)+3, padT+10, html.EscapeString(m.Label))
	}
}
