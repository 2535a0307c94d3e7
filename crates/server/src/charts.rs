//! Charts drawn by the server as SVG with plotters: lines over the rows of
//! a report. Text is SVG `<text>` the browser renders (no font files on
//! the server), and every chart has its table beside it on the page.

use plotters::prelude::*;

/// One line: its legend and a value per label (none: a gap).
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<Option<f64>>,
}

/// The words a chart shows, per language.
pub struct Words {
    pub volume: &'static str,
    pub service_level: &'static str,
    pub offered: &'static str,
    pub answered: &'static str,
    pub abandoned: &'static str,
    pub agents: &'static str,
    pub planned: &'static str,
    pub needed: &'static str,
    pub with_needed: &'static str,
    pub waiting_title: &'static str,
    pub waiting_peak: &'static str,
}

pub fn words(lang: &str) -> Words {
    match lang {
        "fr" => Words {
            volume: "Volume",
            service_level: "Niveau de service (%)",
            offered: "Présentés",
            answered: "Répondus",
            abandoned: "Abandonnés",
            agents: "Agents par heure",
            planned: "Prévus",
            needed: "Nécessaires",
            with_needed: "Avec les agents nécessaires",
            waiting_title: "En attente, dernières heures",
            waiting_peak: "Au plus en attente",
        },
        "es" => Words {
            volume: "Volumen",
            service_level: "Nivel de servicio (%)",
            offered: "Ofrecidos",
            answered: "Atendidos",
            abandoned: "Abandonados",
            agents: "Agentes por hora",
            planned: "Previstos",
            needed: "Necesarios",
            with_needed: "Con los agentes necesarios",
            waiting_title: "En espera, últimas horas",
            waiting_peak: "Máximo en espera",
        },
        _ => Words {
            volume: "Volume",
            service_level: "Service level (%)",
            offered: "Offered",
            answered: "Answered",
            abandoned: "Abandoned",
            agents: "Agents per hour",
            planned: "Planned",
            needed: "Needed",
            with_needed: "With the agents needed",
            waiting_title: "Waiting, last hours",
            waiting_peak: "Most waiting",
        },
    }
}

// Colours told apart by people with the common colour-vision deficiencies
// (Okabe–Ito), each line also drawn with its own marker size.
const COLOURS: [RGBColor; 3] = [
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
];

/// How the values are drawn: lines through time (days, hours), or bars
/// side by side for things that have no order (queues, agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Lines,
    Bars,
}

/// A chart of `series` over `labels`; `y_max` fixes the top of the scale
/// (100 for percentages), else it fits the data (whole numbers).
pub fn chart(
    title: &str,
    labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
    shape: Shape,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (880, 300)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = labels.len().max(1) as i32;
        let top = y_max.unwrap_or_else(|| {
            let max = series
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .fold(0.0f64, |a, b| a.max(*b));
            (max * 1.15).ceil().max(1.0)
        });
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)?;
        let shown = labels.len().clamp(1, 12);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .y_labels((top as usize).min(10) + 1)
            .x_labels(shown)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 0.01 || i < 0.0 {
                    return String::new();
                }
                labels.get(i as usize).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        let width = 0.8 / series.len().max(1) as f64;
        for (k, s) in series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            let points: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
                .collect();
            let legend = move |(x, y): (i32, i32)| {
                Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled())
            };
            match shape {
                Shape::Bars => {
                    let left = -0.4 + k as f64 * width;
                    chart
                        .draw_series(points.iter().map(|(x, v)| {
                            Rectangle::new(
                                [(x + left, 0.0), (x + left + width, *v)],
                                colour.filled(),
                            )
                        }))?
                        .label(s.name)
                        .legend(legend);
                }
                Shape::Lines => {
                    chart
                        .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
                        .label(s.name)
                        .legend(legend);
                    let size = 3 + k as i32;
                    chart.draw_series(
                        points
                            .iter()
                            .map(|p| Circle::new(*p, size, colour.filled())),
                    )?;
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_with_its_words_as_text() {
        let labels = vec!["Sales".to_owned(), "Support".to_owned()];
        let svg = chart(
            "Volume",
            &labels,
            &[Series {
                name: "Offered",
                values: vec![Some(3.0), Some(5.0)],
            }],
            None,
            Shape::Bars,
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        for word in ["Volume", "Offered", "Sales", "Support"] {
            assert!(svg.contains(word), "{word} missing");
        }
        // No data at all still draws an empty chart.
        chart("Volume", &[], &[], None, Shape::Lines).unwrap();
    }
}
