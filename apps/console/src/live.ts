import { session } from './api.js';

export type LiveHandler = (event: string, data: any) => void;

/**
 * Follows `GET /v1/stream` (server-sent events). `EventSource` cannot send an
 * `Authorization` header, so the stream is read with `fetch` and parsed here; it reconnects
 * after a drop, and `onState` says whether the console is live.
 */
export function followLive(query: string, onMessage: LiveHandler, onState: (live: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(`/v1/stream${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer ${session.token() ?? ''}`, accept: 'text/event-stream' }, signal: controller.signal });
        if (res.status === 401 || res.status === 403) {
          stopped = true; // this token may not follow the stream: the page still works, just not live
          break;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) onMessage(event, JSON.parse(data.join('\n')));
          }
        }
      } catch {
        // dropped, refused or stopped: say so, and try again unless stopped
      }
      onState(false);
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
