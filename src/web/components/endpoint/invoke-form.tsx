/**
 * Invoke the endpoint from its page: a datastore path or a data asset, an optional deployment and output
 * folder, posted to the endpoint's scoring URI exactly as `nightshift batch-endpoint invoke` posts it
 * (Azure's body, the `azureml-model-deployment` header for a deployment, no api-version on the data
 * plane). On success the browser goes to the new job's page; on a 4xx the server's message is shown
 * beside the field it names and nothing typed is lost.
 */
import { useCallback, useState, type SyntheticEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/context.ts';
import type { Permission } from '../../api/permissions.ts';
import { DeploymentField, InputFields, OutputField } from './invoke-fields.tsx';
import { FieldError, type Field, type InvokeValues, requestBody } from './invoke-request.ts';
import { PermittedAction } from '../permitted-action.tsx';

interface Props {
  scoringUri: string;
  deployments: string[];
  defaultDeployment: string | null;
  /** For invoking the default, and for naming a deployment (each its own action). */
  permissions: { endpoint: Permission; deployment: Permission };
}

const EMPTY: InvokeValues = {
  source: 'path',
  path: '',
  asset: '',
  version: '',
  deployment: '',
  output: '',
  kind: 'UriFolder',
};

/** Which field a server's `target` names (`InputData.x.Uri`, `outputDataset.path`, ...). */
function fieldOf(error: ApiError): Field {
  const target = error.target ?? '';
  if (/^(inputdata|dataset)/i.test(target)) return 'input';
  if (/^(outputdata|outputdataset)/i.test(target)) return 'output';
  if (/deployment/i.test(target) || /deployment/i.test(error.message)) return 'deployment';
  return 'form';
}

function useInvoke(scoringUri: string) {
  const api = useApi();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const submit = async (values: InvokeValues) => {
    setBusy(true);
    setErrors({});
    try {
      const body = requestBody(values);
      const headers: Record<string, string> =
        values.deployment === '' ? {} : { 'azureml-model-deployment': values.deployment };
      const job = await api.json<{ name: string }>('POST', new URL(scoringUri).pathname, { body, headers });
      void navigate(`/studio/jobs/${encodeURIComponent(job.name)}`);
    } catch (e) {
      if (e instanceof FieldError) setErrors({ [e.field]: e.message });
      else if (e instanceof ApiError) setErrors({ [fieldOf(e)]: e.message });
      else setErrors({ form: (e as Error).message });
      setBusy(false);
    }
  };
  return { busy, errors, submit };
}

export function InvokeForm({ scoringUri, deployments, defaultDeployment, permissions }: Props) {
  const [values, setValues] = useState<InvokeValues>(EMPTY);
  const { busy, errors, submit } = useInvoke(scoringUri);
  const permission = values.deployment === '' ? permissions.endpoint : permissions.deployment;
  const set = (change: Partial<InvokeValues>) => {
    setValues((old) => ({ ...old, ...change }));
  };
  const onKind = useCallback((kind: InvokeValues['kind']) => {
    setValues((old) => (old.kind === kind ? old : { ...old, kind }));
  }, []);
  const onSubmit = (event: SyntheticEvent) => {
    event.preventDefault();
    void submit(values);
  };
  return (
    <form className="invoke" onSubmit={onSubmit} aria-labelledby="invoke-heading" noValidate>
      <InputFields values={values} errors={errors} set={set} onKind={onKind} />
      <DeploymentField
        values={values}
        errors={errors}
        set={set}
        deployments={deployments}
        defaultDeployment={defaultDeployment}
      />
      <OutputField values={values} errors={errors} set={set} />
      {errors.form === undefined ? null : (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <PermittedAction type="submit" className="primary" permission={permission} busy={busy}>
          {busy ? 'Invoking…' : 'Invoke'}
        </PermittedAction>
      </div>
    </form>
  );
}
