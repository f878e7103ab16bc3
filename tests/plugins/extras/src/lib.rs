//! oneof, proto3 optional, maps with integer, bool and enum keys, repeated messages, big payloads.

mod extras {
    wasm_plugin_guest::include_proto!("extras");
}

use extras::{
    inspection::Shape, Blob, Collections, Color, Extras, Inspection, Point, Report, Size,
};
use wasm_plugin_guest::Error;

struct Plugin;

impl Extras for Plugin {
    fn inspect(&self, request: Inspection) -> Result<Report, Error> {
        let description = match &request.shape {
            Some(Shape::Circle(circle)) => format!("circle of radius {}", circle.radius),
            Some(Shape::Rectangle(r)) => format!("rectangle of {}x{}", r.width, r.height),
            Some(Shape::Named(name)) => format!("shape named {name:?}"),
            None => "no shape".to_owned(),
        };
        let present = [
            request.maybe_number.map(|_| "maybe_number"),
            request.maybe_text.as_ref().map(|_| "maybe_text"),
            request.maybe_flag.map(|_| "maybe_flag"),
        ]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
        Ok(Report {
            description,
            present,
            doubled: request.maybe_number.map(|n| n * 2),
        })
    }

    fn rearrange(&self, request: Collections) -> Result<Collections, Error> {
        let next_color = |color: i32| match Color::try_from(color) {
            Ok(Color::Red) => Color::Green,
            Ok(Color::Green) => Color::Red,
            _ => Color::Unspecified,
        } as i32;
        Ok(Collections {
            by_int32: request
                .by_int32
                .into_iter()
                .map(|(k, v)| (-k, v.to_uppercase()))
                .collect(),
            by_uint64: request
                .by_uint64
                .into_iter()
                .map(|(k, v)| (k + 1, v))
                .collect(),
            by_bool: request.by_bool.into_iter().map(|(k, v)| (!k, v)).collect(),
            colors: request
                .colors
                .into_iter()
                .map(|(k, v)| (k, next_color(v)))
                .collect(),
            points: request
                .points
                .into_iter()
                .map(|(k, p)| (k * 2, Point { x: p.y, y: p.x }))
                .collect(),
            path: request.path.into_iter().rev().collect(),
            palette: request.palette.into_iter().rev().collect(),
        })
    }

    fn echo(&self, request: Blob) -> Result<Blob, Error> {
        Ok(request)
    }

    fn produce(&self, request: Size) -> Result<Blob, Error> {
        Ok(Blob {
            data: (0..request.bytes).map(|i| (i % 251) as u8).collect(),
        })
    }
}

wasm_plugin_guest::register!(Extras => Plugin);
