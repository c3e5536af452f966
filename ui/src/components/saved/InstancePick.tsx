import type { Instance } from "../../bindings";

/** A plain select of instances (keyboard friendly, labelled). */
export function InstancePick({ id, label, instances, value, onChange }: { id: string; label: string; instances: Instance[]; value: string; onChange: (id: string) => void }) {
  return (
    <label className="field-inline" htmlFor={id}>
      <span className="label">{label}</span>
      <select id={id} className="select" value={value} onChange={(e) => onChange(e.target.value)} data-test={id}>
        {instances.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </select>
    </label>
  );
}
