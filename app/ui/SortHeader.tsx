/**
 * The header row of a sortable data table (the studio's big screen, the post-show report): each column's header is a
 * button that sorts by the column (again to flip); `aria-sort` tells which is active.
 */
import type { SortDir } from './sort';

export function SortableHead<K extends string>(props: {
  columns: readonly K[];
  /** The column the table sorts by now, and in which direction. */
  sort: { key: K; dir: SortDir };
  label: (key: K) => string;
  className: (key: K) => string;
  markClassName: string;
  /** Each header's button gets `${testIdPrefix}${key}`. */
  testIdPrefix: string;
  onSort: (key: K) => void;
}) {
  const { sort } = props;
  return (
    <thead>
      <tr>
        {props.columns.map((key) => (
          <SortHeader
            key={key}
            label={props.label(key)}
            active={sort.key === key}
            dir={sort.dir}
            className={props.className(key)}
            markClassName={props.markClassName}
            testId={`${props.testIdPrefix}${key}`}
            onSort={() => props.onSort(key)}
          />
        ))}
      </tr>
    </thead>
  );
}

function SortHeader(props: {
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
