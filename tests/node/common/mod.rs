//! Shared harness of the end-to-end tests: start the built `dpoa-node`, talk JSON-RPC to it,
//! stop it (also when a test fails).

#![allow(dead_code)]

use codec::Decode;
use dpoa_consensus_primitives::{AuthorityId, AuthorityPair, CompatibleDigestItem, PreDigest};
use serde_json::{json, Value};
use sp_core::Pair;
use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// The header type of the chain.
pub type Header = dpoa_runtime::Header;

/// The `dpoa-node` binary cargo built for these tests.
pub fn node_bin() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_dpoa-node"))
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Two distinct free TCP ports on 127.0.0.1 (both held while the second is chosen).
pub fn two_free_ports() -> (u16, u16) {
	let first = TcpListener::bind("127.0.0.1:0").unwrap();
	let second = TcpListener::bind("127.0.0.1:0").unwrap();
	(first.local_addr().unwrap().port(), second.local_addr().unwrap().port())
}

/// The last 40 lines of the log at `path` (nothing if it cannot be read).
pub fn log_tail(path: &Path) -> String {
	let text = std::fs::read_to_string(path).unwrap_or_default();
	let lines: Vec<_> = text.lines().collect();
	lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A running node; killed when dropped.
pub struct Node {
	child: Child,
	/// Its JSON-RPC port.
	pub rpc_port: u16,
	/// Its p2p port.
	pub p2p_port: u16,
	/// Where its log goes.
	pub log: PathBuf,
}

impl Node {
	/// Start `dpoa-node` with `args` plus free RPC and p2p ports; its log goes to `log`.
	pub fn start(args: &[&str], log: &Path) -> Node {
		let (rpc_port, p2p_port) = two_free_ports();
		let log_file = std::fs::File::create(log).unwrap();
		let child = Command::new(node_bin())
			.args(args)
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdout(Stdio::null())
			.stderr(log_file)
			.spawn()
			.expect("dpoa-node starts");
		let node = Node { child, rpc_port, p2p_port, log: log.to_path_buf() };
		node.wait_for_rpc(Duration::from_secs(60));
		node
	}

	fn wait_for_rpc(&self, timeout: Duration) {
		let start = Instant::now();
		while start.elapsed() < timeout {
			if self.try_rpc("system_health", json!([])).is_ok() {
				return;
			}
			std::thread::sleep(Duration::from_millis(250));
		}
		panic!("node RPC did not come up in {timeout:?}; log:\n{}", self.log_tail());
	}

	/// The last lines of the node's log.
	pub fn log_tail(&self) -> String {
		log_tail(&self.log)
	}

	/// Whether a line of the node's log contains `needle` within `timeout`. The node's logger
	/// buffers its lines and writes them from a thread of its own (every 50 ms at best, later on
	/// a busy machine), so a line can reach the file after the RPC already shows what it logged.
	pub fn log_shows(&self, needle: &str, timeout: Duration) -> bool {
		let start = Instant::now();
		loop {
			if std::fs::read_to_string(&self.log).is_ok_and(|log| log.contains(needle)) {
				return true;
			}
			if start.elapsed() > timeout {
				return false;
			}
			std::thread::sleep(Duration::from_millis(200));
		}
	}

	/// A JSON-RPC call; `Err` on a transport or RPC error.
	pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
		let mut stream =
			TcpStream::connect(("127.0.0.1", self.rpc_port)).map_err(|e| e.to_string())?;
		stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
		let request = format!(
			// The node only accepts Host headers naming its own address and port.
			"POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			self.rpc_port,
			body.len(),
			body
		);
		stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
		let mut response = String::new();
		stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
		let json_start = response.find("\r\n\r\n").ok_or("no HTTP body")? + 4;
		let value: Value = serde_json::from_str(&response[json_start..])
			.map_err(|e| format!("{e}: {}", &response[json_start..]))?;
		match value.get("error") {
			Some(error) => Err(error.to_string()),
			None => Ok(value["result"].clone()),
		}
	}

	/// A JSON-RPC call that must succeed.
	pub fn rpc(&self, method: &str, params: Value) -> Value {
		self.try_rpc(method, params)
			.unwrap_or_else(|e| panic!("{method} failed: {e}; log:\n{}", self.log_tail()))
	}

	/// The best block number.
	pub fn best_number(&self) -> u32 {
		let header = self.rpc("chain_getHeader", json!([]));
		u32::from_str_radix(header["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
	}

	/// Wait until the best block is at least `number`.
	pub fn wait_for_block(&self, number: u32, timeout: Duration) {
		let start = Instant::now();
		while start.elapsed() < timeout {
			if self.best_number() >= number {
				return;
			}
			std::thread::sleep(Duration::from_millis(500));
		}
		panic!(
			"block #{number} not reached in {timeout:?} (best #{}); log:\n{}",
			self.best_number(),
			self.log_tail()
		);
	}

	/// The hash of block `number`, if the node has it.
	pub fn block_hash(&self, number: u32) -> Option<String> {
		self.rpc("chain_getBlockHash", json!([number])).as_str().map(str::to_owned)
	}

	/// The SCALE-decoded header of block `hash`.
	pub fn header(&self, hash: &str) -> Header {
		let block = self.rpc("chain_getBlock", json!([hash]));
		header_from_json(&block["block"]["header"])
	}

	/// The node's libp2p peer id.
	pub fn peer_id(&self) -> String {
		self.rpc("system_localPeerId", json!([])).as_str().unwrap().to_owned()
	}

	/// Stop the node and wait for it to exit.
	pub fn stop(mut self) {
		self.kill();
	}

	fn kill(&mut self) {
		// Already stopped (`stop`, then the drop): nothing to signal.
		if let Ok(Some(_)) = self.child.try_wait() {
			return;
		}
		// SIGTERM first so the database closes cleanly; SIGKILL if it hangs.
		let _ = Command::new("kill").arg(self.child.id().to_string()).status();
		let start = Instant::now();
		while start.elapsed() < Duration::from_secs(20) {
			if let Ok(Some(_)) = self.child.try_wait() {
				return;
			}
			std::thread::sleep(Duration::from_millis(100));
		}
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

/// The bytes of a 0x-prefixed hex string.
pub fn hex_bytes(s: &str) -> Vec<u8> {
	let s = s.trim_start_matches("0x");
	(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Decode the header of a `chain_getBlock` / `chain_getHeader` JSON result.
pub fn header_from_json(json: &Value) -> Header {
	use sp_runtime::{generic::DigestItem, Digest};
	let number = u32::from_str_radix(json["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
	let h256 = |key: &str| sp_core::H256::from_slice(&hex_bytes(json[key].as_str().unwrap()));
	let logs = json["digest"]["logs"]
		.as_array()
		.unwrap()
		.iter()
		.map(|log| DigestItem::decode(&mut &hex_bytes(log.as_str().unwrap())[..]).unwrap())
		.collect();
	Header {
		parent_hash: h256("parentHash"),
		number,
		state_root: h256("stateRoot"),
		extrinsics_root: h256("extrinsicsRoot"),
		digest: Digest { logs },
	}
}

/// The DPoA pre-digest of `header` and the key whose signature its seal is, among `candidates`.
pub fn sealed_by(header: &Header, candidates: &[AuthorityId]) -> (PreDigest, Option<AuthorityId>) {
	let mut pre_header = header.clone();
	let seal = pre_header.digest.logs.pop().expect("a seal");
	let signature = seal.as_dpoa_seal().expect("the last digest item is a DPoA seal");
	let pre_digest = pre_header
		.digest
		.logs
		.iter()
		.find_map(|item| item.as_dpoa_pre_digest())
		.expect("a DPoA pre-digest");
	let pre_hash = pre_header.hash();
	let signer = candidates
		.iter()
		.find(|key| AuthorityPair::verify(&signature, pre_hash.as_ref(), key))
		.cloned();
	(pre_digest, signer)
}

/// The DPoA authority key of a well-known dev account.
pub fn dev_key(k: sp_keyring::Sr25519Keyring) -> AuthorityId {
	k.public().into()
}

/// The well-known dev keys.
pub fn all_dev_keys() -> Vec<AuthorityId> {
	sp_keyring::Sr25519Keyring::iter().map(dev_key).collect()
}

/// A scratch directory removed at the end of the test.
pub fn scratch() -> tempfile::TempDir {
	tempfile::Builder::new().prefix("dpoa-e2e").tempdir().unwrap()
}

/// A fixed libp2p node key (64 hex characters) for node `i`.
pub fn node_key(i: u8) -> String {
	format!("{:064x}", u64::from(i) + 1)
}
