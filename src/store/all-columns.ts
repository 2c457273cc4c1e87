/**
 * Every column of a table's row type, in the order given: a list that leaves one out does not compile, so a column
 * added to the table is read (and bound) here too. `allColumns<LegsTable>()(['tenant_id', …])`.
 */
export function allColumns<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(columns: C & ([Exclude<keyof Row, C[number]>] extends [never] ? unknown : { missing: Exclude<keyof Row, C[number]> })): C =>
    columns;
}
