// `npm run events -- <command>`: operate the event streams in Redis.
//   dead-letters [orders|catalog]      list dead-lettered events with their errors
//   replay <orders|catalog> <id>       publish one dead-lettered event again and remove it
//   replay-all <orders|catalog>        the same for every dead letter of the stream
//   lag <orders|catalog> <group>       events the group has not acknowledged yet
import { ConfigError, loadConfig, redisConnection, redisShape } from '@storefront/config';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { sessionEvents } from '@storefront/users-events';
import { RedisStreamsBus } from '@storefront/events';

const [command, ...args] = process.argv.slice(2);
let redis;
try {
  redis = redisConnection(loadConfig(redisShape));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
if (!redis) {
  console.error(
    'Neither REDIS_URL nor REDIS_CLUSTER_NODES is set. Without Redis, events live inside the `npm start` process and vanish with it.',
  );
  process.exit(2);
}
const prefix = process.env.EVENT_STREAM_PREFIX;
const streams = {
  orders: orderEvents.stream(prefix),
  catalog: catalogEvents.stream(prefix),
  sessions: sessionEvents.stream(prefix),
};

function stream(name: string | undefined): string {
  if (name !== 'orders' && name !== 'catalog') {
    console.error(`Name a stream: orders or catalog (got "${name ?? ''}").`);
    process.exit(2);
  }
  return streams[name];
}

const bus = new RedisStreamsBus(redis);
try {
  switch (command) {
    case 'dead-letters': {
      const names = args[0] ? [stream(args[0])] : Object.values(streams);
      for (const name of names) {
        const letters = await bus.deadLetters(name);
        console.log(`${name}: ${letters.length} dead-lettered`);
        for (const letter of letters) {
          const event = JSON.parse(letter.event) as { id: string; type: string };
          console.log(
            `  ${letter.id}  ${event.type} ${event.id}  group=${letter.group} attempts=${letter.attempts} at ${letter.failedAt}\n    ${letter.error}`,
          );
        }
      }
      break;
    }
    case 'replay': {
      const [name, id] = args;
      if (!id) throw new Error('usage: replay <orders|catalog> <dead-letter id>');
      const replayed = await bus.replayDeadLetter(stream(name), id);
      console.log(replayed ? `replayed ${id}` : `no dead letter ${id} on ${name}`);
      if (!replayed) process.exitCode = 1;
      break;
    }
    case 'replay-all': {
      const name = stream(args[0]);
      const letters = await bus.deadLetters(name);
      for (const letter of letters) await bus.replayDeadLetter(name, letter.id);
      console.log(`replayed ${letters.length} events on ${name}`);
      break;
    }
    case 'lag': {
      const [name, group] = args;
      if (!group) throw new Error('usage: lag <orders|catalog> <group>');
      console.log(await bus.lag(stream(name), group));
      break;
    }
    default:
      console.error('commands: dead-letters [stream], replay <stream> <id>, replay-all <stream>, lag <stream> <group>');
      process.exitCode = 2;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await bus.close();
}
