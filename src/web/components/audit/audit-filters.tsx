/**
 * The audit log's filters: principal, action, resource, result and a time range. They live in the URL
 * query (the page reads them from there), so a filtered view can be pasted in a ticket; the form keeps
 * what the person typed until they apply it, and shows the server's refusal of a filter beside it.
 */
import { useState, type SyntheticEvent } from 'react';
import type { ApiError } from '../../api/client.ts';

export const FILTERS = ['principal', 'action', 'resource', 'result', 'since', 'until'] as const;
export type Filter = (typeof FILTERS)[number];
export type Filters = Partial<Record<Filter, string>>;

const TEXT_FIELDS: [Filter, string, string][] = [
  ['principal', 'Principal', 'app id, user or object id'],
  ['action', 'Action contains', 'e.g. jobs/write'],
  ['resource', 'Resource contains', "e.g. an endpoint's name"],
  ['since', 'From (UTC)', '2026-01-31T12:00:00Z'],
  ['until', 'Before (UTC)', '2026-02-01T00:00:00Z'],
];

export function AuditFilters({
  applied,
  error,
  onApply,
}: {
  applied: Filters;
  error: ApiError | null;
  onApply: (filters: Filters) => void;
}) {
  const [form, setForm] = useState<Filters>(applied);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onApply(form);
  };
  const fieldError = (name: Filter) =>
    error?.target === name ? (
      <span className="field-error" id={`audit-${name}-error`}>
        {error.message}
      </span>
    ) : null;
  const described = (name: Filter) => (error?.target === name ? `audit-${name}-error` : undefined);
  return (
    <form className="filters" onSubmit={submit} aria-label="Audit log filters">
      {TEXT_FIELDS.map(([name, label, hint]) => (
        <label key={name}>
          {label}
          <input
            name={name}
            value={form[name] ?? ''}
            placeholder={hint}
            aria-invalid={error?.target === name}
            aria-describedby={described(name)}
            onChange={(e) => {
              setForm({ ...form, [name]: e.target.value });
            }}
          />
          {fieldError(name)}
        </label>
      ))}
      <label>
        Result
        <select
          name="result"
          value={form.result ?? ''}
          onChange={(e) => {
            setForm({ ...form, result: e.target.value });
          }}
        >
          <option value="">Any result</option>
          <option value="Succeeded">Succeeded</option>
          <option value="Failed">Failed</option>
          <option value="Denied">Denied</option>
        </select>
        {fieldError('result')}
      </label>
      <div className="filter-buttons">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setForm({});
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
