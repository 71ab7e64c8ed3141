/** A pause between pages, so n8n answers webhooks while a long sweep runs (the embedded store is synchronous). */
export async function yieldToEventLoop(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
}
