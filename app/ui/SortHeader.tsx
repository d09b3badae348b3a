/** A sortable column header: a button that sorts by the column (again to flip); `aria-sort` tells which is active. */
import type { SortDir } from './sort';

export function SortHeader(props: {
  label: string;
  /** The table sorts by this column now, in `dir`. */
  active: boolean;
  dir: SortDir;
  className: string;
  markClassName: string;
  testId: string;
  onSort: () => void;
}) {
  const { active, dir } = props;
  return (
    <th scope="col" className={props.className} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" data-testid={props.testId} onClick={props.onSort}>
        {props.label}
        <span className={props.markClassName} aria-hidden="true">
          {active ? (dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}
