/**
 * "Run with parameters": one field per declared parameter, prefilled with its default, sent as text with
 * `?textParameters=true` so the server converts each value to its declared type (as the CLI's
 * `--param k=v`) and names the parameter it refuses (`parameters.NAME`), shown beside that field with what
 * was typed kept. Only changed fields are sent, so an untouched one runs with its default; a SecureString
 * default is never shown (the server reads it back as `***`), so its field starts empty. The button is
 * disabled with the missing role named when the principal may not start runs; a started run opens its
 * own page.
 */
import { useState, type SyntheticEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/context.ts';
import type { Permission } from '../../api/permissions.ts';
import { factoryPath, type ParameterSpec } from './factory-api.ts';
import { PermittedAction } from '../permitted-action.tsx';

function isSecure(spec: ParameterSpec): boolean {
  return spec.type.toLowerCase() === 'securestring';
}

function defaultText(spec: ParameterSpec): string {
  if (isSecure(spec) || spec.defaultValue === undefined || spec.defaultValue === null) return '';
  return typeof spec.defaultValue === 'string' ? spec.defaultValue : JSON.stringify(spec.defaultValue);
}

function ParameterField(props: {
  name: string;
  spec: ParameterSpec;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const { name, spec, value, error } = props;
  const id = `param-${name}`;
  const type = spec.type.toLowerCase();
  const described = error === undefined ? undefined : `${id}-error`;
  const common = {
    id,
    name,
    value,
    'aria-invalid': error !== undefined,
    'aria-describedby': described,
    onChange: (e: { target: { value: string } }) => {
      props.onChange(e.target.value);
    },
  };
  return (
    <div className="param-field">
      <label htmlFor={id}>
        {name} <span className="muted">({spec.type})</span>
      </label>
      {type === 'object' || type === 'array' ? (
        <textarea rows={3} spellCheck={false} {...common} />
      ) : type === 'bool' ? (
        <select {...common}>
          {spec.defaultValue === undefined && <option value="">(required: choose)</option>}
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input
          type={isSecure(spec) ? 'password' : 'text'}
          inputMode={type === 'int' || type === 'float' ? 'decimal' : undefined}
          autoComplete="off"
          placeholder={isSecure(spec) ? 'leave empty for the default' : undefined}
          {...common}
        />
      )}
      {error !== undefined && (
        <span className="field-error" id={described} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** `permission` is asked by the page as it opens, beside the pipeline, not after it has loaded. */
export function RunForm(props: {
  pipeline: string;
  parameters: Record<string, ParameterSpec>;
  permission: Permission;
}) {
  const { pipeline, parameters, permission } = props;
  const api = useApi();
  const navigate = useNavigate();
  const names = Object.keys(parameters);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(names.map((n) => [n, defaultText(parameters[n] ?? { type: 'string' })])),
  );
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const fieldOf = (target: string | undefined) => target?.replace(/^parameters\./, '').split(/[.[]/)[0];
  const fieldError = error !== undefined && names.includes(fieldOf(error.target) ?? '') ? error : undefined;

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const changed = Object.fromEntries(
      names
        .filter((n) => values[n] !== defaultText(parameters[n] ?? { type: 'string' }))
        .map((n) => [n, values[n] ?? '']),
    );
    try {
      const path = `${await factoryPath(api)}/pipelines/${encodeURIComponent(pipeline)}/createRun`;
      const { runId } = await api.json<{ runId: string }>('POST', path, {
        query: { textParameters: 'true' },
        body: changed,
      });
      await navigate(`/studio/pipeline-runs/${encodeURIComponent(runId)}`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'Error', String(caught)));
      setBusy(false);
    }
  };

  return (
    <form className="run-form" aria-label="Run with parameters" onSubmit={(e) => void submit(e)} noValidate>
      {names.length === 0 && <p className="muted">This pipeline declares no parameters.</p>}
      <div className="param-grid">
        {names.map((name) => (
          <ParameterField
            key={name}
            name={name}
            spec={parameters[name] ?? { type: 'string' }}
            value={values[name] ?? ''}
            error={
              fieldError !== undefined && fieldOf(fieldError.target) === name ? fieldError.message : undefined
            }
            onChange={(value) => {
              setValues({ ...values, [name]: value });
            }}
          />
        ))}
      </div>
      {error !== undefined && fieldError === undefined && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="actions">
        <PermittedAction type="submit" className="primary" permission={permission} busy={busy}>
          {busy ? 'Starting…' : 'Run pipeline'}
        </PermittedAction>
      </div>
    </form>
  );
}
