;; A `greeting.Greeter` plugin written by hand (docs/abi.md), just large enough for the crate
;; documentation's examples to run: it imports nothing, says hello to names shorter than 128
;; bytes, and never returns from `SayGoodbye` (a call for deadlines and cancellation to stop).
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "Good morning, ")

  ;; A bump allocator: enough for a few calls.
  (global $next (mut i32) (i32.const 1024))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $block i32)
    (local.set $block (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $size)))
    (local.get $block))
  (func (export "free") (param i32))

  (func (export "greeter_api_version") (result i64) (i64.const 1))

  ;; GreetRequest { name: 1 } in (tag 0x0a, a one-byte length, the name);
  ;; GreetReply { message: 1 } out, "Good morning, " and the name.
  (func (export "greeter_say_hello") (param $ptr i32) (param $len i32) (result i64)
    (local $name i32)
    (local $reply i32)
    (local.set $name (i32.load8_u offset=1 (local.get $ptr)))
    (local.set $reply (call $malloc (i32.add (local.get $name) (i32.const 16))))
    (i32.store8 (local.get $reply) (i32.const 0x0a))
    (i32.store8 offset=1 (local.get $reply) (i32.add (local.get $name) (i32.const 14)))
    (memory.copy (i32.add (local.get $reply) (i32.const 2)) (i32.const 16) (i32.const 14))
    (memory.copy
      (i32.add (local.get $reply) (i32.const 16))
      (i32.add (local.get $ptr) (i32.const 2))
      (local.get $name))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $reply)) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $name) (i32.const 16)))))

  (func (export "greeter_say_goodbye") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (unreachable)))
