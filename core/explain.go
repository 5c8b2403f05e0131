package core

func explainError(d Driver, err error) error {
	if e, ok := d.(ErrorExplainer); ok && err != nil {
		return e.ExplainError(err)
	}
	return err
}
