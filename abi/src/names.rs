//! The names of exports and imports, computed exactly as go-plugin computes them, so that
//! plugins and hosts of both systems find each other (`docs/abi.md`, "Names").

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// protobuf-go's `GoCamelCase`: the Go identifier protoc-gen-go derives from a proto name.
pub fn go_camel_case(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next_is_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        match c {
            b'.' if next_is_lower => {}
            b'.' => out.push('_'),
            b'_' if i == 0 || bytes[i - 1] == b'.' => out.push('X'),
            b'_' if next_is_lower => {}
            b'0'..=b'9' => out.push(c as char),
            _ => {
                out.push(c.to_ascii_uppercase() as char);
                while bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase) {
                    i += 1;
                    out.push(bytes[i] as char);
                }
            }
        }
        i += 1;
    }
    out
}

/// go-plugin's `toSnakeCase`: two regular expression passes, then lower case:
/// `(.)([A-Z][a-z]+)` becomes `${1}_${2}`, then `([a-z0-9])([A-Z])` becomes `${1}_${2}`.
pub fn go_snake_case(name: &str) -> String {
    let first = replace_first_caps(name.as_bytes());
    let second = replace_all_caps(&first);
    String::from_utf8_lossy(&second).to_lowercase()
}

/// `(.)([A-Z][a-z]+)` → `${1}_${2}`, with Go's leftmost, non-overlapping matching.
fn replace_first_caps(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        // `.` matches any character but a newline; a match needs one lowercase letter after
        // the capital and extends over all that follow.
        let matches = s[i] != b'\n'
            && s.get(i + 1).is_some_and(u8::is_ascii_uppercase)
            && s.get(i + 2).is_some_and(u8::is_ascii_lowercase);
        if matches {
            let mut end = i + 3;
            while s.get(end).is_some_and(u8::is_ascii_lowercase) {
                end += 1;
            }
            out.push(s[i]);
            out.push(b'_');
            out.extend_from_slice(&s[i + 1..end]);
            i = end;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// `([a-z0-9])([A-Z])` → `${1}_${2}`, with Go's leftmost, non-overlapping matching.
fn replace_all_caps(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if (c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.get(i + 1).is_some_and(u8::is_ascii_uppercase)
        {
            out.extend_from_slice(&[c, b'_', s[i + 1]]);
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The export that reports a plugin service's interface version: `greeter_api_version`.
pub fn api_version_export(service: &str) -> String {
    format!("{}_api_version", go_snake_case(&go_camel_case(service)))
}

/// The export of one rpc of a plugin service: `greeter_say_hello`.
pub fn method_export(service: &str, method: &str) -> String {
    go_snake_case(&(go_camel_case(service) + &go_camel_case(method)))
}

/// The import name of one host function: `http_get`.
pub fn host_import(method: &str) -> String {
    go_snake_case(&go_camel_case(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_follows_protobuf_go() {
        for (proto, go) in [
            ("Greeter", "Greeter"),
            ("say_hello", "SayHello"),
            ("HTTPGet", "HTTPGet"),
            ("_leading", "XLeading"),
            ("foo_bar_1", "FooBar_1"),
            ("foo.bar", "FooBar"),
            ("foo.Bar", "Foo_Bar"),
            ("a__b", "A_B"),
            ("v2beta", "V2Beta"),
        ] {
            assert_eq!(go_camel_case(proto), go, "{proto}");
        }
    }

    #[test]
    fn snake_case_follows_go_plugin() {
        for (go, snake) in [
            ("GreeterGreet", "greeter_greet"),
            ("HostFunctionsHttpGet", "host_functions_http_get"),
            ("HTTPGet", "http_get"),
            ("GetV2Data", "get_v2_data"),
            ("AaBbCc", "aa_bb_cc"),
            ("ABCDef", "abc_def"),
            ("FieldTestTest", "field_test_test"),
            ("Log", "log"),
            ("X", "x"),
        ] {
            assert_eq!(go_snake_case(go), snake, "{go}");
        }
    }

    #[test]
    fn export_and_import_names() {
        assert_eq!(api_version_export("Greeter"), "greeter_api_version");
        assert_eq!(method_export("Greeter", "SayHello"), "greeter_say_hello");
        assert_eq!(method_export("WellKnown", "Test"), "well_known_test");
        assert_eq!(host_import("HttpGet"), "http_get");
    }
}
