/**
 * Shared TypeBox schemas of the wire contracts: path parameters, the ARM error envelope every failure
 * answers with, ARM resources and lists, and the open shapes. Response schemas double as serializers
 * (fast-json-stringify drops what a schema does not declare and coerces declared types), so a view whose
 * shape is open says so with `additionalProperties: true`, and a field that may be null is declared
 * nullable: the schemas describe bodies, they never trim or reshape them.
 */
import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { ValidationError } from '../core/errors.ts';

/** An object whose other fields pass through unchanged. */
export function open(description: string, properties: TProperties = {}) {
  return Type.Object(properties, { additionalProperties: true, description });
}

export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const ArmError = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({
          description: 'Stable error code, e.g. UserError, ResourceNotFound, AuthorizationFailed.',
        }),
        message: Type.String({ description: 'What went wrong and how to fix it.' }),
        details: Type.Array(
          Type.Object(
            { code: Type.String(), message: Type.String(), target: Type.Optional(Type.String()) },
            { additionalProperties: true },
          ),
        ),
      },
      { additionalProperties: true },
    ),
  },
  { description: 'The ARM error envelope.' },
);

/** Entra's OAuth error body (`error`, `error_description`, ...), which OAuth clients read. */
export const OAuthError = open("Entra ID's OAuth error body.", {
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
});

export const NoContent = Type.Null({ description: 'No content.' });

export const SystemData = open('Who created and last changed the resource, and when.');

const WORKSPACE_PARAMS = {
  subscriptionId: Type.String(),
  resourceGroupName: Type.String(),
  workspaceName: Type.String(),
};

/** The workspace's ARM path parameters plus the route's own. */
export function wsParams<P extends TProperties>(extra: P) {
  return Type.Object({ ...WORKSPACE_PARAMS, ...extra });
}

export const WsParams = wsParams({});

/** Data Factory's path parameters (the workspace is the factory) plus the route's own. */
export function factoryParams<P extends TProperties>(extra: P) {
  return Type.Object({
    subscriptionId: Type.String(),
    resourceGroupName: Type.String(),
    factoryName: Type.String(),
    ...extra,
  });
}

const ApiVersion = Type.Optional(
  Type.String({ description: 'Accepted for compatibility with Azure clients; any version works.' }),
);

/** A query of optional strings, `api-version` among them. */
export function query<P extends TProperties>(extra: P) {
  return Type.Object({ 'api-version': ApiVersion, ...extra });
}

export const ApiVersionQuery = query({});

/**
 * A whole-number query parameter from `min` to `max`. The schema refuses fractions, words and values out
 * of range with a 400 naming the parameter; `wholeQuery` refuses what the schema lets through: ajv
 * coerces `1e400` to Infinity and skips its bounds for a number that is not finite.
 */
export function integerQuery(min: number, max: number, description: string) {
  return Type.Optional(Type.Integer({ minimum: min, maximum: max, description }));
}

export function wholeQuery(value: number | undefined, name: string, max: number): number | undefined {
  if (value === undefined || Number.isSafeInteger(value)) return value;
  throw new ValidationError(`Query parameter '${name}' must be a whole number from 1 to ${max}.`, name);
}

/** An ARM resource: `id`, `name`, `type`, `properties` and the optional envelope fields. */
export function armResource(description: string, properties: TProperties = {}) {
  return Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      type: Type.String(),
      location: Type.Optional(Type.String()),
      tags: Type.Optional(open('Tags.')),
      identity: Type.Optional(open('The managed identity of the resource.')),
      properties: open(description, properties),
      systemData: Type.Optional(SystemData),
    },
    { additionalProperties: true },
  );
}

/** An ARM list: `{ value, nextLink }`. */
export function armList<T extends TSchema>(item: T) {
  return Type.Object({ value: Type.Array(item), nextLink: nullable(Type.String()) });
}

/** A plain list: `{ value }`, as Nightshift's own management routes answer. */
export function valueList<T extends TSchema>(item: T) {
  return Type.Object({ value: Type.Array(item) }, { additionalProperties: true });
}

/** The request body of an ARM PUT or PATCH; its properties are checked by the service. */
export const ArmBody = Type.Object(
  { properties: Type.Optional(open('Resource properties.')), tags: Type.Optional(open('Tags.')) },
  {
    additionalProperties: true,
    description: 'An ARM resource body; see the Azure Machine Learning REST reference for its properties.',
  },
);

/** A file in a listing: its path and size in bytes. */
export const FileEntry = Type.Object(
  { path: Type.String(), size: Type.Number() },
  { additionalProperties: true },
);

/** A download: bytes, or a JSON listing when the path is a folder. */
export function download(description: string) {
  return {
    description,
    content: {
      'application/octet-stream': { schema: Type.String({ format: 'binary' }) },
      'application/json': { schema: valueList(FileEntry) },
    },
  };
}
