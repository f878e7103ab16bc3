use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

#[test]
fn prints_exactly_the_expected_output() {
    let stdout = wasm_plugin_testing::run_example(
        env!("CARGO_BIN_EXE_example-async-http"),
        &["example-async-http-plugin"],
    );
    assert_eq!(stdout, include_str!("../../expected_output.txt"));
}

#[test]
fn fetches_a_page_from_a_server_the_test_starts() {
    // A bare HTTP/1.1 server from the standard library, on 127.0.0.1: it answers one request
    // and reports what it was asked.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}/report", listener.local_addr().expect("address"));
    let body = "<html><title>Quarterly report</title>All good.</html>";
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut reader = BufReader::new(stream);
        let mut request_line = String::new();
        reader
            .read_line(&mut request_line)
            .expect("the request line");
        let mut header = String::new();
        while reader.read_line(&mut header).expect("a header") > 2 {
            header.clear();
        }
        write!(
            reader.get_mut(),
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("the response");
        request_line
    });

    let plugins = wasm_plugin_testing::build_plugins(&["example-async-http-plugin"]);
    let output = Command::new(env!("CARGO_BIN_EXE_example-async-http"))
        .arg(&plugins[0])
        .arg(&url)
        .output()
        .expect("run the example");
    assert!(
        output.status.success(),
        "the example failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{url}: 200 \"Quarterly report\" ({} bytes)\n", body.len())
    );
    assert_eq!(
        server.join().expect("the server").trim_end(),
        "GET /report HTTP/1.1"
    );
}
