/** The parts of a path such as `properties.items[0].sku`: properties, items, 0, sku. */
export function pathSegments(path: string): string[] {
	return path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
}
