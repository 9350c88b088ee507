//! A tiny HTTP/1.1 test double on 127.0.0.1: it records every request (method, path, decoded
//! query, headers, body) and answers from scripted routes. A request no route expects gets a 500,
//! so an unexpected call fails the test loudly. Hand-written on tokio to avoid a server
//! framework in the build.
#![allow(dead_code)]

pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

pub use wire::Recorded;

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: None,
        }
    }
    pub fn empty(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: Vec::new(), delay: None }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }
}

type Check = Box<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;

struct Route {
    method: String,
    path: String,
    reply: Reply,
    remaining: Option<usize>,
}

/// The double.
#[derive(Clone)]
pub struct Double {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    routes: Arc<Mutex<Vec<Route>>>,
    /// Checked before the routes: a vendor rule that answers on its own (401 without a token, 411).
    guard: Arc<Mutex<Option<Arc<Check>>>>,
}

impl Double {
    pub async fn start() -> Double {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let double = Double {
            addr: listener.local_addr().unwrap(),
            requests: Arc::default(),
            routes: Arc::default(),
            guard: Arc::default(),
        };
        let d = double.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let d = d.clone();
                tokio::spawn(async move {
                    let _ = d.serve(stream).await;
                });
            }
        });
        double
    }

    pub fn url(&self, prefix: &str) -> String {
        format!("http://{}{}", self.addr, prefix)
    }

    /// Answers `method path` once with `reply`.
    pub fn on(&self, method: &str, path: &str, reply: Reply) -> &Self {
        self.push(method, path, reply, Some(1));
        self
    }

    /// Answers `method path` every time with `reply`.
    pub fn always(&self, method: &str, path: &str, reply: Reply) -> &Self {
        self.push(method, path, reply, None);
        self
    }

    fn push(&self, method: &str, path: &str, reply: Reply, remaining: Option<usize>) {
        self.routes.lock().unwrap().push(Route { method: method.into(), path: path.into(), reply, remaining });
    }

    pub fn guard(&self, check: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static) {
        *self.guard.lock().unwrap() = Some(Arc::new(Box::new(check)));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }

    fn answer(&self, req: &Recorded) -> Reply {
        if let Some(g) = self.guard.lock().unwrap().clone() {
            if let Some(reply) = g(req) {
                return reply;
            }
        }
        let mut routes = self.routes.lock().unwrap();
        let pos = routes.iter().position(|r| r.method == req.method && r.path == req.path && r.remaining != Some(0));
        match pos {
            Some(i) => {
                let r = &mut routes[i];
                if let Some(n) = r.remaining.as_mut() {
                    *n -= 1;
                }
                r.reply.clone()
            }
            None => Reply::json(500, serde_json::json!({"error": "unexpected request", "line": req.line()})),
        }
    }

    async fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let Some(mut req) = wire::read(&mut stream).await? else { return Ok(()) };
        let reply = self.answer(&req);
        req.status = reply.status;
        self.requests.lock().unwrap().push(req);
        if let Some(d) = reply.delay {
            tokio::time::sleep(d).await;
        }
        wire::write(&mut stream, reply.status, &reply.headers, &reply.body).await
    }
}

/// Okta's error body.
pub fn okta_error(code: &str, summary: &str) -> serde_json::Value {
    serde_json::json!({"errorCode": code, "errorSummary": summary, "errorLink": code,
        "errorId": "oaeHfmOAx1iRLa0H10DeMz5fQ", "errorCauses": []})
}

/// Google's error envelope.
pub fn google_error(code: u16, status: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"error": {"code": code, "message": message, "status": status}})
}
