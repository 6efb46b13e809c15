/** The OpenAPI document served at /openapi.json and rendered at /docs. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Ticketing backend', version: '0.1.0' },
    paths: {},
  };
}
