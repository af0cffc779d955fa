// A service process of `npm start` without Redis, for ipc-bus.test.ts: it follows a stream by
// broadcast over the IPC bus and reports what it hears to the test (its parent).
import { ParentProcessBus } from '../src/ipc-bus.js';

const bus = new ParentProcessBus();
const broadcast = bus.broadcast({
  streams: ['orders.events'],
  handler: (event, stream) => process.send!({ test: 'heard', id: event.id, stream }),
});
await broadcast.ready;
process.send!({ test: 'ready' });
process.on('message', (message: { test?: string }) => {
  if (message.test !== 'stop') return;
  void broadcast.stop().then(() => process.send!({ test: 'stopped' }));
});
