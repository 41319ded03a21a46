package ui

import (
	"strconv"
)

// The reports page's charts are SVG drawn on the server: bars in a fixed
// viewBox that scales with the page, a title and a description for screen
// readers, and the same numbers in a table beside each chart. No script
// draws them, so they show under the strict CSP and without JavaScript.

// barChart is one chart: groups along the x axis, each a stack of
// segments (one segment per series; a single series is a plain bar).
type barChart struct {
	ID           string
	Title, Desc  string
	Width        int
	Height       int
	Left, Bottom int // where the plot's axes meet
	Right, Top   int
	Bars         []chartBar
	YTicks       []rptTick
	// TickX is where the y axis labels end; LabelY the x labels' baseline.
	TickX, LabelY int
	// XLabels are drawn under their bars (only every n-th when many).
	XLabels []chartLabel
	Series  []chartSeries
	// Empty is a chart with nothing to draw: the page shows its message
	// instead of the axes.
	Empty bool
}

type chartBar struct {
	X, Y, W, H int
	Class      string
	// Label is the bar's tooltip (SVG title): group, series and value.
	Label string
}

type rptTick struct {
	Y, LabelY int
	Label     string
}

type chartLabel struct {
	X    int
	Text string
}

type chartSeries struct {
	Name  string
	Class string
}

// chartGroup is one x position: its label and a value per series.
type chartGroup struct {
	Label  string
	Values []int
}

const (
	rptW, rptH           = 640, 260
	rptLeft, rptTop      = 44, 12
	rptRight, rptBottomM = 8, 40
	// rptSeriesClasses are the series' colours (staff.css), enough for the
	// districts of a city; more series reuse them in turn.
	rptSeriesClasses = 6
)

// buildBarChart lays groups out as stacked bars over series names.
func buildBarChart(id, title, desc string, series []string, groups []chartGroup) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, Width: rptW, Height: rptH, Left: rptLeft, Top: rptTop,
		Right: rptW - rptRight, Bottom: rptH - rptBottomM, TickX: rptLeft - 6, LabelY: rptH - rptBottomM + 16}
	for i, s := range series {
		c.Series = append(c.Series, chartSeries{Name: s, Class: "series-" + strconv.Itoa(i%rptSeriesClasses)})
	}
	top := 0
	for _, g := range groups {
		sum := 0
		for _, v := range g.Values {
			sum += v
		}
		top = max(top, sum)
	}
	if len(groups) == 0 || top == 0 {
		c.Empty = true
	}
	top = niceTop(top)
	plotW, plotH := c.Right-c.Left, c.Bottom-c.Top
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		y := c.Bottom - plotH*i/4
		c.YTicks = append(c.YTicks, rptTick{Y: y, LabelY: y + 4, Label: strconv.Itoa(v)})
	}
	if len(groups) == 0 {
		return c
	}
	slot := plotW / len(groups)
	barW := max(slot*7/10, 1)
	every := max(1, (len(groups)+11)/12) // at most about twelve labels
	for i, g := range groups {
		x := c.Left + i*slot + (slot-barW)/2
		y := c.Bottom
		for j, v := range g.Values {
			if v <= 0 {
				continue
			}
			h := plotH * v / top
			y -= h
			label := g.Label + ": " + strconv.Itoa(v)
			if len(series) > 1 {
				label = g.Label + ", " + series[j] + ": " + strconv.Itoa(v)
			}
			c.Bars = append(c.Bars, chartBar{X: x, Y: y, W: barW, H: max(h, 1), Class: c.Series[j].Class, Label: label})
		}
		if i%every == 0 {
			c.XLabels = append(c.XLabels, chartLabel{X: x + barW/2, Text: g.Label})
		}
	}
	return c
}

// niceTop is the top of the y axis: four grid steps, each a round number
// (1, 2, 3, 4, 5, 6 or 8 times a power of ten) at or above a quarter of v.
func niceTop(v int) int {
	need := max((v+3)/4, 1)
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 3, 4, 5, 6, 8} {
			if m*p >= need {
				return 4 * m * p
			}
		}
	}
}
