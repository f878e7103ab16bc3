//! An async host on tokio: the plugin's rpcs are `async fn`s, and its host function `HttpGet`
//! is an `async fn` that makes a real HTTP request with hyper. While a request is in flight,
//! the plugin's call is suspended and the worker thread serves other calls.
//!
//! Usage: `example-async-http PLUGIN.wasm [URL...]` (scripts/run-example.sh async-http builds
//! it). Without URLs it serves a few pages itself, on 127.0.0.1, and describes those.

mod pages {
    wasm_plugin_runtime::include_proto!("pages");
}

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use pages::{DescribeRequest, Http, HttpGetRequest, HttpGetResponse, PageReaderPlugin};
use wasm_plugin_runtime::{CallContext, HostContext, HostError, Loader};

/// `HttpGet`, done by hyper's client.
struct HyperHttp {
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl Http for HyperHttp {
    async fn http_get(
        &self,
        _context: &HostContext<'_>,
        request: HttpGetRequest,
    ) -> Result<HttpGetResponse, HostError> {
        let uri: hyper::Uri = request.url.parse()?;
        let response = self.client.get(uri).await?;
        let status = response.status().as_u16().into();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(HttpGetResponse {
            status,
            body: body.to_vec(),
        })
    }
}

/// The pages this example serves when given no URLs; each takes 100 ms to answer.
async fn page(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = match request.uri().path() {
        "/" => (
            StatusCode::OK,
            "<html><title>Plugins on tokio</title>Hello</html>",
        ),
        "/about" => (
            StatusCode::OK,
            "<title> About this host </title>It serves pages.",
        ),
        _ => (StatusCode::NOT_FOUND, "not found"),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    Ok(response)
}

/// Serves [`page`] on 127.0.0.1 (a port of the system's choosing); returns its address.
async fn serve_pages() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(page);
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                if let Err(error) = connection.await {
                    eprintln!("serving a page: {error}");
                }
            });
        }
    });
    Ok(format!("http://{address}"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: example-async-http PLUGIN.wasm [URL...]"))?;
    let mut urls: Vec<(String, String)> = args.map(|url| (url.clone(), url)).collect();
    if urls.is_empty() {
        let base = serve_pages().await?;
        urls = ["/", "/about", "/missing"]
            .into_iter()
            .map(|page| (page.to_owned(), format!("{base}{page}")))
            .collect();
        urls.push(("not a url".to_owned(), "not a url".to_owned()));
    }

    let loader = Loader::new()?;
    let http = HyperHttp {
        client: Client::builder(TokioExecutor::new()).build_http(),
    };
    let reader = PageReaderPlugin::load(&loader, path, http).await?;

    // Every page at once: each call waits for its page without holding a thread.
    let calls: Vec<_> = urls
        .iter()
        .map(|(_, url)| {
            let reader = reader.with_context(CallContext::new().timeout(Duration::from_secs(10)));
            let request = DescribeRequest { url: url.clone() };
            tokio::spawn(async move { reader.describe(request).await })
        })
        .collect();
    for ((label, _), call) in urls.iter().zip(calls) {
        match call.await? {
            Ok(page) => println!(
                "{label}: {} \"{}\" ({} bytes)",
                page.status, page.title, page.bytes
            ),
            // The plugin's own error, which here carries the host function's.
            Err(error) => match error.plugin_message() {
                Some(message) => println!("{label}: error: {message}"),
                None => return Err(error.into()),
            },
        }
    }
    Ok(())
}
