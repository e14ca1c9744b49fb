/**
 * The jobs list's filter form. It edits a copy of the URL's filters and writes them back on "Apply", so
 * typing does not reload the list on every key; a value the server refuses is shown beside its field
 * (the 400 names the parameter) and stays as typed. The page keys the form by the URL's filters, so the
 * back button or a followed link shows the form of the list it opens.
 */
import { useState, type SyntheticEvent } from 'react';
import { FILTER_NAMES, type FilterName, type Filters } from './job-list-params.ts';

const STATUSES = [
  'NotStarted',
  'Preparing',
  'Queued',
  'Running',
  'Finalizing',
  'CancelRequested',
  'Completed',
  'Failed',
  'Canceled',
];

const LABELS: Record<FilterName, string> = {
  endpoint: 'Endpoint',
  deployment: 'Deployment',
  status: 'Status',
  creator: 'Created by',
  since: 'Created since',
  until: 'Created until',
};

interface Props {
  filters: Filters;
  endpoints: readonly string[];
  /** The parameter the server refused, and its message. */
  refused: { field: string; message: string } | undefined;
  onApply: (next: Filters) => void;
}

function FieldError({ name, refused }: { name: FilterName; refused: Props['refused'] }) {
  if (refused?.field !== name) return null;
  return (
    <span className="field-error" id={`filter-${name}-error`} role="alert">
      {refused.message}
    </span>
  );
}

export function JobFilters({ filters, endpoints, refused, onApply }: Props) {
  const [draft, setDraft] = useState<Filters>(filters);
  const set = (name: FilterName) => (value: string) => {
    setDraft({ ...draft, [name]: value });
  };
  const described = (name: FilterName) =>
    refused?.field === name ? { 'aria-describedby': `filter-${name}-error`, 'aria-invalid': true } : {};
  const text = (name: FilterName, placeholder: string) => (
    <label key={name}>
      {LABELS[name]}
      <input
        name={name}
        value={draft[name]}
        placeholder={placeholder}
        onChange={(e) => {
          set(name)(e.target.value);
        }}
        {...described(name)}
      />
      <FieldError name={name} refused={refused} />
    </label>
  );
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  const clear = () => {
    const empty = Object.fromEntries(FILTER_NAMES.map((n) => [n, ''])) as Filters;
    setDraft(empty);
    onApply(empty);
  };
  return (
    <form className="job-filters" onSubmit={submit} aria-label="Filter jobs">
      <label>
        {LABELS.endpoint}
        <select
          name="endpoint"
          value={draft.endpoint}
          onChange={(e) => {
            set('endpoint')(e.target.value);
          }}
          {...described('endpoint')}
        >
          <option value="">Any endpoint</option>
          {[...new Set([...endpoints, ...(draft.endpoint ? [draft.endpoint] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <FieldError name="endpoint" refused={refused} />
      </label>
      {text('deployment', 'any')}
      <label>
        {LABELS.status}
        <select
          name="status"
          value={draft.status}
          onChange={(e) => {
            set('status')(e.target.value);
          }}
          {...described('status')}
        >
          <option value="">Any status</option>
          {[...new Set([...STATUSES, ...(draft.status ? [draft.status] : [])])].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <FieldError name="status" refused={refused} />
      </label>
      {text('creator', 'anyone')}
      {text('since', 'YYYY-MM-DD')}
      {text('until', 'YYYY-MM-DD')}
      <div className="job-filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
