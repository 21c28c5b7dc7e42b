import { SDK_CASES, TOOL_LOOP } from "../test/support/sdk-sources.js";
const sdk = SDK_CASES.find((c) => c.name.includes("streamEvents"))!;
const server = await sdk.start(TOOL_LOOP);
const events = (await sdk.open(server.baseURL, 2)) as AsyncIterable<any>;
for await (const e of events) console.log(e.event, e.run_id, Object.keys(e).join(","));
await server.close();
